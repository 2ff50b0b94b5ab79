"""loitering: one vessel lying slow, far from shore and port, for hours: a possible STS transfer
with a partner whose AIS is off (GFW pipe-loitering's rule: hourly implied speed, chained hours).

Beyond GFW, hours without fixes (up to `max_bridge_h`) are chained when the vessel was slow across
them, so a ship heard only at satellite passes still shows its spell; the event says how many real
fixes it had and the longest silence bridged. A spell at an anchorage is kept as context (in_port)."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from shadowfleet.core.events import EventType, LoiteringDetails
from shadowfleet.core.geo import NM_M, circular_mean_deg, haversine_m, land, ports
from shadowfleet.detect.anchorages import Nearby
from shadowfleet.detect.events import Config, EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000


def _hours(tracks: pl.DataFrame) -> pl.DataFrame:
    """One row per vessel and hour: mean position and the first and last fix behind it."""
    return (
        tracks.with_columns((pl.col("ts") // _US_PER_H).alias("hour"))
        .group_by("mmsi", "hour", maintain_order=True)
        .agg(
            pl.col("lat").mean(),
            pl.col("lon").mean(),
            pl.col("ts").first().alias("t0"),
            pl.col("ts").last().alias("t1"),
            pl.col("source").first(),
            pl.col("line").first(),
            pl.col("source").last().alias("source_last"),
            pl.col("line").last().alias("line_last"),
            pl.len().alias("fixes"),
            pl.col("sog_kn").first().alias("sog_first"),
            pl.col("sog_kn").last().alias("sog_last"),
        )
        .sort("mmsi", "hour")
    )


@dataclass
class _Spell:
    mmsi: int
    start: int
    end: int
    lat: float
    lon: float
    hours: int
    refs: list[tuple[str, int]]
    fixes: int
    longest_silence_us: int
    qualifies: bool = True  # long enough by the hourly rule alone


@dataclass(frozen=True)
class LoiterParams(Params):
    max_speed_kn: float
    min_duration_h: float
    min_shore_distance_nm: float
    port_radius_km: float
    max_bridge_h: float


def detect_loitering(part: Partition, params: LoiterParams, out: EventBuilder) -> None:
    hours = _hours(part.tracks)
    if hours.height < 2:
        return
    lat, lon, hour = hours["lat"].to_numpy(), hours["lon"].to_numpy(), hours["hour"].to_numpy()
    mmsi = hours["mmsi"].to_numpy()
    speed = np.full(len(hour), np.inf)
    elapsed = np.maximum(hour[1:] - hour[:-1], 1)
    follows = (mmsi[1:] == mmsi[:-1]) & (elapsed <= max(1.0, params.max_bridge_h))
    speed[1:] = np.where(follows, haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) / NM_M / elapsed, np.inf)
    # a silence is chained only if the vessel did not report sailing at either end (it may have looped)
    sailing = (hours["sog_last"].fill_null(0.0).to_numpy() > params.max_speed_kn)[:-1] | (
        hours["sog_first"].fill_null(0.0).to_numpy() > params.max_speed_kn
    )[1:]
    speed[1:] = np.where((elapsed > 1) & sailing, np.inf, speed[1:])
    slow = speed <= params.max_speed_kn  # slow[i]: hour i-1 -> i was slow
    stretch = _Stretch(part.tracks, params)
    spells = [
        stretched
        for spell in _spells(hours, slow, int(params.min_duration_h))
        if (stretched := stretch(spell)).qualifies
        or stretched.end - stretched.start >= params.min_duration_h * _US_PER_H
    ]
    if not spells:
        return
    lats, lons = np.array([s.lat for s in spells]), np.array([s.lon for s in spells])
    shore = land().shore_distance_m(lats, lons)
    _, port = ports().nearest(lats, lons)
    at_sea = (shore >= params.min_shore_distance_nm * NM_M) & (port > params.port_radius_km * 1000)
    for spell, far, keep in zip(spells, shore, at_sea, strict=True):
        if keep:
            _emit(spell, float(far), params, part.config, out)


def _spells(hours: pl.DataFrame, slow: np.ndarray, min_hours: int) -> list[_Spell]:
    """Chains of consecutive slow hours, marked whether they are at least `min_hours` long."""
    spells = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], slow.astype(np.int8), [0]])))
    columns = ("mmsi", "t0", "t1", "lat", "lon", "source", "line", "source_last", "line_last", "fixes", "hour")
    rows = hours.select(columns).rows()
    for first, last in zip(edges[::2], edges[1::2], strict=True):
        a, b = int(first) - 1, int(last) - 1  # hours a..b, joined by the slow steps first..last-1
        chain = rows[a : b + 1]
        bridged = any(nxt[10] - prev[10] > 1 for prev, nxt in itertools.pairwise(chain))
        # across silences, the real fixes themselves must span the minimum
        long_enough = rows[b][10] - rows[a][10] >= min_hours and not (
            bridged and chain[-1][2] - chain[0][1] < min_hours * _US_PER_H
        )
        spells.append(
            _Spell(
                chain[0][0],
                chain[0][1],
                chain[-1][2],
                float(np.mean([r[3] for r in chain])),
                circular_mean_deg(np.array([r[4] for r in chain])),
                int(chain[-1][10] - chain[0][10]),
                [(chain[0][5], chain[0][6]), (chain[-1][7], chain[-1][8])],
                int(sum(r[9] for r in chain)),
                max((int(nxt[1] - prev[2]) for prev, nxt in itertools.pairwise(chain)), default=0),
                long_enough,
            )
        )
    return spells


class _Stretch:
    """A spell heard only between satellite passes began when the vessel arrived and ended when it left:
    reported sailing into the silence before its first slow fix, it sailed on at its reported speed to
    where it was next heard and waited there (as an encounter's bridge reasons, detect/encounters.py); the
    same for leaving. Across silences of 1 h to `max_bridge_h` only, and only when that sailing fits in
    the silence."""

    def __init__(self, tracks: pl.DataFrame, params: LoiterParams) -> None:
        self.mmsi, self.ts = tracks["mmsi"].to_numpy(), tracks["ts"].to_numpy()
        self.lat, self.lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
        self.sog = tracks["sog_kn"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
        self.source, self.line = tracks["source"], tracks["line"]
        self.params = params

    def __call__(self, spell: _Spell) -> _Spell:
        lo = int(np.searchsorted(self.mmsi, spell.mmsi, "left"))
        hi = int(np.searchsorted(self.mmsi, spell.mmsi, "right"))
        first = lo + int(np.searchsorted(self.ts[lo:hi], spell.start, "left"))
        last = lo + int(np.searchsorted(self.ts[lo:hi], spell.end, "right")) - 1
        start, end, silence, refs = spell.start, spell.end, spell.longest_silence_us, list(spell.refs)
        if first > lo and (sailed := self._sailed_us(first - 1, first, first - 1)) is not None:
            start = int(self.ts[first - 1] + sailed)
            silence = max(silence, int(self.ts[first] - self.ts[first - 1]))
            refs.insert(0, self._ref(first - 1))
        if last + 1 < hi and (sailed := self._sailed_us(last, last + 1, last + 1)) is not None:
            end = int(self.ts[last + 1] - sailed)
            silence = max(silence, int(self.ts[last + 1] - self.ts[last]))
            refs.append(self._ref(last + 1))
        return dataclasses.replace(spell, start=start, end=end, longest_silence_us=silence, refs=refs)

    def _ref(self, i: int) -> tuple[str, int]:
        return str(self.source[i]), int(self.line[i])

    def _sailed_us(self, a: int, b: int, moving: int) -> float | None:
        """Time to sail from fix a to fix b at the speed fix `moving` reported, if it was sailing and that fits."""
        gap, knots = float(self.ts[b] - self.ts[a]), float(self.sog[moving])
        if not (_US_PER_H < gap <= self.params.max_bridge_h * _US_PER_H) or not knots > self.params.max_speed_kn:
            return None
        metres = float(haversine_m(self.lat[a], self.lon[a], self.lat[b], self.lon[b]))
        sailing = metres / NM_M / knots * _US_PER_H
        return sailing if sailing <= gap else None


def _emit(spell: _Spell, shore_m: float, params: LoiterParams, config: Config, out: EventBuilder) -> None:
    hours = (spell.end - spell.start) / _US_PER_H
    spot = config.hotspot(spell.lat, spell.lon)
    where = f"{abs(spell.lat):.2f}{'N' if spell.lat >= 0 else 'S'} {abs(spell.lon):.2f}{'E' if spell.lon >= 0 else 'W'}"
    silence_h = spell.longest_silence_us / _US_PER_H
    bridged = silence_h if silence_h > 1.0 else 0.0  # an hour's silence was chained by GFW's rule already
    out.add(
        LoiteringDetails(
            shore_distance_nm=round(shore_m / NM_M, 1),
            hotspot=spot,
            slow_hours=spell.hours,
            fixes=spell.fixes,
            longest_bridged_gap_h=round(bridged, 2),
        ),
        spell.mmsi,
        spell.start,
        spell.end,
        lat=spell.lat,
        lon=spell.lon,
        score=min(0.4 + 0.05 * max(hours - 4, 0), 0.7) + 0.2 * (spot is not None),
        reason=(
            f"slower than 2 kn for {hours:.1f} h at {where}, {shore_m / NM_M:.0f} nm from shore"
            + (f", in the {spot.replace('_', ' ')} STS hot spot" if spot else "")
            + f" ({spell.fixes} fixes"
            + (f", silences up to {bridged:.1f} h bridged)" if bridged else ")")
        ),
        refs=spell.refs,
        version=params.version,
    )


DETECTORS = (Detector(EventType.LOITERING, LoiterParams, detect_loitering),)


def at_anchorages(rows: list[dict[str, Any]], nearby: Nearby) -> list[dict[str, Any]]:
    """Loitering at an anchorage is a ship waiting: kept as context (in_port, the anchorage named, < 0.3)."""
    out = []
    for r in rows:
        place = None
        if r["event_type"] == EventType.LOITERING and r["lat"] is not None:
            place = nearby.at(r["lat"], r["lon"])
        if place is None:
            out.append(r)
            continue
        details = LoiteringDetails.from_json(r["details"])
        marked = dataclasses.replace(details, in_port=True, anchorage=place.name)
        out.append(
            {
                **r,
                "details": marked.to_json(),
                "score": min(r["score"], 0.2),
                "reason": f"{r['reason']}; at {place.name} ({place.source}): context, not an alarm",
            }
        )
    return out
