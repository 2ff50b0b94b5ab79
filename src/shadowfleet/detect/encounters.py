"""encounter: two vessels together, slowly, for hours: a possible ship-to-ship transfer.

After GFW's pipe-encounters (reference.md §1), with its flaws fixed. Each track is resampled to
a 10-minute grid, interpolated across silences shorter than an hour (GFW) and, beyond GFW, across
longer silences (up to `max_bridge_h`) when the vessel was slow across them: offshore, satellites hear
a ship every 30-180 min (reference.md §7), and a pair lying together between two passes is still
together. Each event says how many real fixes each vessel had and the longest silence bridged. In each time slot,
points are bucketed into cells of 0.01° latitude by 0.02° longitude (at least 500 m up to ~75°
latitude) and joined with the neighbouring cells, then measured on the sphere. Close slots of a
pair become runs; runs less than 4 h apart merge; merged runs of 2 h or more, with both vessels
slow, are events. The close slots of every time chunk are gathered before runs are formed, so an
encounter across midnight or any chunk boundary is found once and whole. Encounters near a port
or at an anchorage (detect/anchorages.py) are kept, marked `in_port` and scored low; three or more
vessels together share a `cluster_id`; the STS evidence that sets the score is in detect/sts.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from shadowfleet.core.events import EncounterDetails, EventType
from shadowfleet.core.geo import NM_M, circular_mean_deg, haversine_m, ports
from shadowfleet.detect.anchorages import Nearby
from shadowfleet.detect.events import Config, EventBuilder, Params
from shadowfleet.detect.registry import Detector, Scope
from shadowfleet.detect.sts import Request, VesselSummary, Weights, weigh

_US_PER_MIN = 60_000_000
_US_PER_H = 3_600_000_000
LAT_CELL, LON_CELL = 0.01, 0.02


def resample(
    tracks: pl.DataFrame, slot_us: int, max_interp_us: int, lo: int, hi: int, bridge: tuple[int, float] = (0, 0.0)
) -> pl.DataFrame:
    """Positions at every slot boundary in [lo, hi) between two fixes of a vessel, with the source/line
    of the fix before it and the silence it lies in (`gap`, µs).

    Across a silence shorter than `max_interp_us` the position is interpolated linearly (GFW). Across a
    longer one, up to `bridge` = (max µs, knots), only when the vessel was slow: slow across the whole
    silence (linear), or reported sailing into it and lying still after it (it sailed on at its reported
    speed, then waited: "arrive"), or the reverse ("leave"). A ship does not crawl 15 km in three hours;
    it sails there in 45 minutes and waits, and between two satellite passes that wait is the encounter."""
    max_bridge_us, slow_kn = bridge
    same = pl.col("mmsi").shift(-1) == pl.col("mmsi")  # tracks are sorted by vessel and time
    # only the steps that span a slot boundary inside [lo, hi) give points: drop the rest before any arithmetic
    t = (
        tracks.lazy()
        .with_columns(
            pl.when(same).then(pl.col(c).shift(-1)).alias(alias)
            for c, alias in (("ts", "t1"), ("lat", "lat1"), ("lon", "lon1"), ("sog_kn", "sog1"))
        )
        .filter(pl.col("t1").is_not_null())
        .with_columns(
            (((pl.col("ts") + slot_us - 1) // slot_us) * slot_us).clip(lower_bound=lo).alias("s0"),
            ((pl.col("t1") // slot_us) * slot_us).clip(upper_bound=hi - 1).alias("s1"),
        )
        .filter(pl.col("s1") >= pl.col("s0"))
    )
    gap = pl.col("t1") - pl.col("ts")
    north = (pl.col("lat1") - pl.col("lat")) * 111_195.0
    east = (((pl.col("lon1") - pl.col("lon") + 540) % 360) - 180) * 111_195.0 * pl.col("lat").radians().cos()
    metres = (north.pow(2) + east.pow(2)).sqrt()
    knots = metres / NM_M / (gap.clip(lower_bound=1) / _US_PER_H)
    bridgeable = gap <= max_bridge_us

    def sailing_us(sog: pl.Expr) -> pl.Expr:
        """Time to cover the silence's distance at a reported speed."""
        return metres / NM_M / sog * _US_PER_H

    sog0, sog1 = pl.col("sog_kn"), pl.col("sog1")
    still = (sog0.fill_null(0.0) <= slow_kn) & (sog1.fill_null(0.0) <= slow_kn)  # neither end reports sailing
    linear = (gap <= max_interp_us) | (bridgeable & (knots <= slow_kn) & still)
    arrive = bridgeable & (sog0 > slow_kn) & (sog1 <= slow_kn) & (sailing_us(sog0) <= gap)
    leave = bridgeable & (sog0 <= slow_kn) & (sog1 > slow_kn) & (sailing_us(sog1) <= gap)
    # the part of the silence in which the vessel moved: [a, b]; before a it lay at the first fix, after b at the next
    t = t.with_columns(
        pl.when(linear | arrive).then(pl.col("ts")).when(leave).then(pl.col("t1") - sailing_us(sog1)).alias("a"),
        pl.when(linear)
        .then(pl.col("t1"))
        .when(arrive)
        .then(pl.col("ts") + sailing_us(sog0))
        .when(leave)
        .then(pl.col("t1"))
        .alias("b"),
    ).filter(pl.col("a").is_not_null())
    t = t.with_columns(pl.int_ranges(pl.col("s0"), pl.col("s1") + 1, slot_us).alias("slot")).explode("slot")
    f = ((pl.col("slot") - pl.col("a")) / (pl.col("b") - pl.col("a")).clip(lower_bound=1)).clip(0, 1)
    dlon = ((pl.col("lon1") - pl.col("lon") + 540) % 360) - 180  # the short way across the antimeridian
    return (
        t.select(
            "mmsi",
            "slot",
            (pl.col("lat") + f * (pl.col("lat1") - pl.col("lat"))).alias("lat"),
            (((pl.col("lon") + f * dlon) + 540) % 360 - 180).alias("lon"),
            "source",
            "line",
            gap.alias("gap"),
        )
        .unique(subset=["mmsi", "slot"], keep="first", maintain_order=True)
        .collect()
    )


def close_slots(points: pl.DataFrame, max_distance_m: float) -> pl.DataFrame:
    """Pairs (a < b) within `max_distance_m` in the same slot: the spatial self-join."""
    cells = points.with_columns(
        (pl.col("lat") / LAT_CELL).floor().cast(pl.Int64).alias("cy"),
        (pl.col("lon") / LON_CELL).floor().cast(pl.Int64).alias("cx"),
    )
    neighbours = pl.concat(
        [
            cells.with_columns((pl.col("cy") + dy).alias("cy"), (pl.col("cx") + dx).alias("cx"))
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        ]
    )
    pairs = cells.join(neighbours, on=["slot", "cy", "cx"], suffix="_b").filter(pl.col("mmsi") < pl.col("mmsi_b"))
    if not pairs.height:
        return pairs.with_columns(pl.lit(0.0).alias("distance_m"))
    distance = haversine_m(
        pairs["lat"].to_numpy(), pairs["lon"].to_numpy(), pairs["lat_b"].to_numpy(), pairs["lon_b"].to_numpy()
    )
    return pairs.with_columns(pl.Series("distance_m", distance)).filter(pl.col("distance_m") <= max_distance_m)


def _runs(slots: pl.DataFrame, slot_us: int, merge_us: int) -> pl.DataFrame:
    """Runs of close slots per pair; runs less than `merge_us` apart are one encounter."""
    slots = slots.sort("mmsi", "mmsi_b", "slot")
    new_run = (
        (pl.col("mmsi") != pl.col("mmsi").shift(1))
        | (pl.col("mmsi_b") != pl.col("mmsi_b").shift(1))
        | (pl.col("slot") - pl.col("slot").shift(1) > merge_us)
    ).fill_null(True)
    return (
        slots.with_columns(new_run.cum_sum().alias("run"))
        .group_by("run", "mmsi", "mmsi_b")
        .agg(
            pl.col("slot").min().alias("start"),
            (pl.col("slot").max() + slot_us).alias("end"),
            pl.col("distance_m").median().alias("median_m"),
            pl.col("lat").alias("lats"),
            pl.col("lon").alias("lons"),
            pl.len().alias("close_slots"),
            pl.col("source"),
            pl.col("line"),
            pl.col("source_b"),
            pl.col("line_b"),
            pl.max_horizontal(pl.col("gap").max(), pl.col("gap_b").max()).alias("longest_gap"),
        )
    )


@dataclass(frozen=True)
class EncounterParams(Params):
    max_distance_m: float
    min_duration_h: float
    max_median_speed_kn: float
    merge_gap_h: float
    slot_min: float
    max_interpolation_h: float
    max_bridge_h: float
    bridge_max_speed_kn: float
    port_radius_km: float
    tens_of_metres_m: float
    aligned_deg: float
    night_start_h: float
    night_end_h: float
    draught_after_h: float
    min_draught_change_m: float
    chunk_h: float


Pair = tuple[VesselSummary, VesselSummary]
SLOT_COLUMNS = (
    "mmsi", "mmsi_b", "slot", "distance_m", "lat", "lon", "source", "line", "source_b", "line_b", "gap", "gap_b",
)  # fmt: skip


class EncounterFinder:
    """Gathers close slots chunk by chunk (`add`), then forms runs and emits events (`finish`)."""

    def __init__(self, config: Config, anchorages: Nearby | None = None) -> None:
        self.config = config
        self.params = params = DETECTORS[0].parameters(config)
        self.anchorages = anchorages or Nearby([])
        self.slot_us = int(params.slot_min * _US_PER_MIN)
        self.max_interp_us = int(params.max_interpolation_h * _US_PER_H)
        self.bridge = (int(params.max_bridge_h * _US_PER_H), params.bridge_max_speed_kn)
        self.max_m = params.max_distance_m
        self.slots: list[pl.DataFrame] = []
        self._runs: pl.DataFrame | None = None

    @property
    def reach_us(self) -> int:
        """How far before and after a chunk a fix can still matter to it (the stitching margin)."""
        return max(self.max_interp_us, self.bridge[0])

    def close(self, tracks: pl.DataFrame, lo: int, hi: int) -> pl.DataFrame:
        """The close slots in [lo, hi) of `tracks` (every vessel's fixes, with the margin either side)."""
        points = resample(tracks, self.slot_us, self.max_interp_us, lo, hi, self.bridge)
        return close_slots(points, self.max_m).select(SLOT_COLUMNS)

    def add(self, tracks: pl.DataFrame, lo: int, hi: int) -> None:
        close = self.close(tracks, lo, hi)
        if close.height:
            self.slots.append(close)

    def runs(self) -> pl.DataFrame:
        """The merged runs long enough to be encounters (before the speed check)."""
        if self._runs is None:
            merge = int(self.params.merge_gap_h * _US_PER_H)
            runs = (
                _runs(pl.concat(self.slots), self.slot_us, merge)
                if self.slots
                else pl.DataFrame(
                    schema={"run": pl.UInt32, "mmsi": pl.Int64, "mmsi_b": pl.Int64, "start": pl.Int64, "end": pl.Int64}
                )
            )
            longest = self.params.min_duration_h * _US_PER_H
            self._runs = runs.filter(pl.col("end") - pl.col("start") >= longest)
        return self._runs

    def requests(self) -> list[Request]:
        """(mmsi, start, end) of every vessel whose track during a run the runner must summarize."""
        rows = self.runs().select("mmsi", "mmsi_b", "start", "end").rows()
        return sorted({(v, start, end) for a, b, start, end in rows for v in (a, b)})

    def finish(self, summary: dict[Request, VesselSummary], out: EventBuilder) -> None:
        """`summary`: the runner's answers to `requests` (detect/sts.py `summaries`)."""
        runs = self.runs()
        if not runs.height:
            return
        clusters = _clusters(runs)
        partners = _partners(runs)
        for values in runs.sort("start").select(_Run.columns()).iter_rows():
            run = _Run(*values)
            pair = (summary[(run.mmsi, run.start, run.end)], summary[(run.mmsi_b, run.start, run.end)])
            if max(s.median_speed_kn for s in pair) >= self.params.max_median_speed_kn:
                continue  # moving together (pair trawlers, escorts), not lying together
            self._emit(run, clusters.get(run.run), partners.get(run.run, 0), pair, out)

    def _emit(
        self,
        run: _Run,
        cluster: str | None,
        partners: int,
        pair: tuple[VesselSummary, VesselSummary],
        out: EventBuilder,
    ) -> None:
        p = self.params
        lat, lon = float(np.mean(run.lats)), circular_mean_deg(np.asarray(run.lons))
        port_at, port_m = ports().nearest(np.array([lat]), np.array([lon]))
        anchorage = self.anchorages.at(lat, lon)
        in_port = bool(port_m[0] <= p.port_radius_km * 1000) or anchorage is not None
        if bool(port_m[0] <= p.port_radius_km * 1000):
            place, place_source = f"port of {ports().names[int(port_at[0])]}", "wpi"
        elif anchorage is not None:
            place, place_source = anchorage.name, anchorage.source
        else:
            place, place_source = None, None
        spot = self.config.hotspot(lat, lon)
        hours = (run.end - run.start) / _US_PER_H
        evidence = weigh(hours, run.median_m, run.start, run.end, lon, spot, partners, pair, self.weights())
        bridged = run.longest_gap / _US_PER_H if run.longest_gap > self.max_interp_us else 0.0
        refs = [*zip(run.source, run.line, strict=True), *zip(run.source_b, run.line_b, strict=True)]
        where = f"{abs(lat):.3f}{'N' if lat >= 0 else 'S'} {abs(lon):.3f}{'E' if lon >= 0 else 'W'}"
        fixes = f"{pair[0].fixes} and {pair[1].fixes} fixes" + (
            f", silences up to {bridged:.1f} h bridged" if bridged else ""
        )
        why = "; ".join(
            part
            for part in (
                "raised by " + ", ".join(evidence.raised) if evidence.raised and not in_port else "",
                "lowered by " + ", ".join(evidence.lowered) if evidence.lowered and not in_port else "",
            )
            if part
        )
        out.add(
            EncounterDetails(
                in_port=in_port,
                anchorage=place,
                anchorage_source=place_source,
                hotspot=spot,
                median_speed_kn=(round(pair[0].median_speed_kn, 2), round(pair[1].median_speed_kn, 2)),
                close_slots=run.close_slots,
                cluster_id=cluster,
                fixes=(pair[0].fixes, pair[1].fixes),
                longest_bridged_gap_h=round(bridged, 2),
                heading_difference_deg=evidence.heading_difference_deg,
                partners=partners,
                night=evidence.night,
                draught_change_after=evidence.draught_change_after,
                evidence=(*(f"+ {r}" for r in evidence.raised), *(f"- {r}" for r in evidence.lowered)),
            ),
            run.mmsi,
            run.start,
            run.end,
            other_mmsi=run.mmsi_b,
            lat=lat,
            lon=lon,
            distance_m=run.median_m,
            score=0.1 if in_port else evidence.score,
            version=p.version,
            refs=sorted(set(refs))[:500],
            reason=(
                f"MMSI {run.mmsi} and {run.mmsi_b} within {run.median_m:.0f} m (median) for {hours:.1f} h at {where},"
                f" both slow ({pair[0].median_speed_kn:.1f} and {pair[1].median_speed_kn:.1f} kn; {fixes})"
                + (f", at {place}: context, not an alarm" if in_port else "")
                + (f"; one of {cluster.split(':')[1]} vessels together" if cluster else "")
                + (f"; {why}" if why else "")
            ),
        )

    def weights(self) -> Weights:
        p = self.params
        return Weights(p.tens_of_metres_m, p.aligned_deg, p.night_start_h, p.night_end_h, p.min_draught_change_m)


@dataclass
class _Run:
    """One merged encounter of a pair, as gathered from its close slots."""

    run: int
    mmsi: int
    mmsi_b: int
    start: int
    end: int
    median_m: float
    lats: list[float]
    lons: list[float]
    close_slots: int
    source: list[str]
    line: list[int]
    source_b: list[str]
    line_b: list[int]
    longest_gap: int

    @classmethod
    def columns(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]


def _partners(runs: pl.DataFrame) -> dict[int, int]:
    """For each run: how many other vessels either of its two met within a day of it (serial partners)."""
    rows = runs.select("run", "mmsi", "mmsi_b", "start", "end").rows()
    out = {}
    for run, a, b, start, end in rows:
        others = {
            v
            for other, c, d, s, e in rows
            if other != run and s <= end + 24 * _US_PER_H and start - 24 * _US_PER_H <= e and {a, b} & {c, d}
            for v in (c, d)
        }
        out[run] = len(others - {a, b})
    return out


def _clusters(runs: pl.DataFrame) -> dict[int, str]:
    """Encounters that overlap in time and share a vessel form a group; a group of three or more
    vessels gets one id, 'hash:size', the same for each of its pairwise events."""
    rows = runs.select("run", "mmsi", "mmsi_b", "start", "end").sort("start").rows()
    parent = {r[0]: r[0] for r in rows}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, (run, a, b, _, end) in enumerate(rows):
        for other, c, d, start2, _ in rows[i + 1 :]:
            if start2 >= end:
                break
            if {a, b} & {c, d}:
                parent[find(other)] = find(run)
    members: dict[int, set[int]] = {}
    first: dict[int, int] = {}
    for run, a, b, start, _ in rows:
        root = find(run)
        members.setdefault(root, set()).update((a, b))
        first[root] = min(first.get(root, start), start)
    out = {}
    for run, *_ in rows:
        root = find(run)
        if len(members[root]) >= 3:
            key = hashlib.sha256(f"{sorted(members[root])}|{first[root]}".encode()).hexdigest()[:12]
            out[run] = f"{key}:{len(members[root])}"
    return out


# pairwise: the runners drive EncounterFinder over the plan's time chunks (detect/plan.py)
DETECTORS = (Detector(EventType.ENCOUNTER, EncounterParams, None, scope=Scope.PAIRS),)
