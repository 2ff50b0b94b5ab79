"""STS evidence for an encounter: what each vessel did during it, and what that does to the score.

An encounter at sea starts from its duration (GFW's rule met) and a hot spot; then the signs of an
actual transfer raise it, the signs of two ships merely lying near each other lower it, and `reason`
names each: side by side (tens of metres) or hundreds of metres apart; headings aligned (moored
alongside) or not; a navigational status of "restricted manoeuvrability" or "moored" away from any
port; more partners the same day; at night (local solar time); a new declared draught of either vessel
after it (cargo moved). An encounter at a port or an anchorage is context: kept, scored below 0.3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shadowfleet.core.geo import NM_M, haversine_m

_US_PER_H = 3_600_000_000
RESTRICTED, MOORED = 3, 5  # ITU-R M.1371 navigational status: restricted manoeuvrability, moored
_STATUS_WORDS = {RESTRICTED: "restricted manoeuvrability", MOORED: "moored"}
_STATUS_WORDS = {RESTRICTED: "restricted manoeuvrability", MOORED: "moored"}
# What a runner brings for the summaries: the fixes of each requested (vessel, start, end) and the
# declared draughts of the requested vessels.
REQUEST_FIXES = {
    "rmmsi": pl.Int64,
    "rstart": pl.Int64,
    "rend": pl.Int64,
    "ts": pl.Int64,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "heading_deg": pl.Float64,
    "cog_deg": pl.Float64,
    "nav_status": pl.Int64,
}
DRAUGHTS = {"mmsi": pl.Int64, "ts": pl.Int64, "draught_m": pl.Float64}
Request = tuple[int, int, int]  # mmsi, start µs, end µs


@dataclass(frozen=True)
class VesselSummary:
    """One vessel during one encounter."""

    median_speed_kn: float
    fixes: int  # real fixes (not resampled points)
    longest_silence_h: float  # longest time between two of its fixes, edges included
    heading_deg: float | None  # median heading (course where no heading is sent)
    nav_status: int | None  # the most frequent status sent
    draught_change_m: float | None  # new declared draught after the start, minus the last before it


def median_speed_kn(fixes: pl.DataFrame) -> float:
    """Median implied speed of one vessel over the time of its fixes (ts, lat, lon sorted by time), each
    step weighted by its duration; 0 with fewer than two.

    By time, not by fix: a class A transponder reports every few seconds under way and every 3 minutes
    at anchor (ITU-R M.1371), so a pair that sails together to the spot and then lies there for longer
    would have a "moving" median by fix count (simulated Sea of Japan seed 6: 2 h in company at 11 kn,
    then 3.3 h alongside). GFW's median is over its 10-minute grid, by time as well (reference.md §1)."""
    if fixes.height < 2:
        return 0.0
    lat, lon, ts = fixes["lat"].to_numpy(), fixes["lon"].to_numpy(), fixes["ts"].to_numpy()
    hours = np.maximum(np.diff(ts), 1_000_000) / _US_PER_H
    knots = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) / NM_M / hours
    order = np.argsort(knots, kind="stable")
    weight = np.cumsum(hours[order])
    return float(knots[order][np.searchsorted(weight, weight[-1] / 2)])


def summaries(
    requests: list[Request], fixes: pl.DataFrame, draughts: pl.DataFrame, after_h: float
) -> dict[Request, VesselSummary]:
    """Every request's summary, from the frames a runner gathered (REQUEST_FIXES, DRAUGHTS)."""
    by_request = {
        (int(k[0]), int(k[1]), int(k[2])): g for k, g in fixes.sort("ts").group_by(["rmmsi", "rstart", "rend"])
    }
    by_vessel = {int(k[0]): g for k, g in draughts.sort("ts").group_by(["mmsi"])}
    empty = pl.DataFrame(schema=REQUEST_FIXES)
    return {
        r: summarize(by_request.get(r, empty), by_vessel.get(r[0]), r[1], r[2], after_h) for r in sorted(set(requests))
    }


def summarize(
    fixes: pl.DataFrame, draughts: pl.DataFrame | None, start: int, end: int, after_h: float
) -> VesselSummary:
    ts = fixes["ts"].to_numpy()
    edges = np.concatenate([[start], ts, [end]]) if len(ts) else np.array([start, end])
    heading = fixes["heading_deg"].fill_null(fixes["cog_deg"]).drop_nulls().to_numpy()
    status = fixes["nav_status"].drop_nulls()
    return VesselSummary(
        median_speed_kn=median_speed_kn(fixes),
        fixes=fixes.height,
        longest_silence_h=float(np.diff(edges).max()) / _US_PER_H,
        heading_deg=_circular_median(heading),
        nav_status=None if not status.len() else int(status.mode().sort()[0]),
        draught_change_m=_draught_change(draughts, start, end + int(after_h * _US_PER_H)),
    )


def _circular_median(degrees: np.ndarray) -> float | None:
    if not len(degrees):
        return None
    mean = np.degrees(np.arctan2(np.sin(np.radians(degrees)).mean(), np.cos(np.radians(degrees)).mean()))
    return float(mean % 360)


def _draught_change(draughts: pl.DataFrame | None, start: int, until: int) -> float | None:
    """The largest change of declared draught from before the start to a report up to `until`."""
    if draughts is None or not draughts.height:
        return None
    ts, value = draughts["ts"].to_numpy(), draughts["draught_m"].to_numpy()
    before = value[ts < start]
    after = value[(ts >= start) & (ts <= until)]
    if not len(before) or not len(after):
        return None
    deltas = after - before[-1]
    return float(deltas[np.argmax(np.abs(deltas))])


@dataclass(frozen=True)
class Evidence:
    score: float
    raised: tuple[str, ...]
    lowered: tuple[str, ...]
    heading_difference_deg: float | None
    night: bool
    draught_change_after: bool


@dataclass(frozen=True)
class Weights:
    """Thresholds of the evidence (from [encounter] in detect_defaults.toml)."""

    tens_of_metres_m: float
    aligned_deg: float
    night_start_h: float
    night_end_h: float
    min_draught_change_m: float


def weigh(
    hours: float,
    median_m: float,
    start: int,
    end: int,
    lon: float,
    hotspot: str | None,
    partners: int,
    pair: tuple[VesselSummary, VesselSummary],
    weights: Weights,
) -> Evidence:
    """The score of an encounter at sea (never below 0.3: it met the encounter rule) and why."""
    raised: list[str] = []
    lowered: list[str] = []
    score = min(0.5 + 0.05 * hours, 0.8)
    if hotspot:
        score += 0.1
        raised.append(f"in the {hotspot.replace('_', ' ')} STS hot spot")
    if median_m <= weights.tens_of_metres_m:
        score += 0.1
        raised.append(f"side by side ({median_m:.0f} m)")
    elif median_m >= 3 * weights.tens_of_metres_m:
        score -= 0.1
        lowered.append(f"{median_m:.0f} m apart")
    difference = _heading_difference(pair[0].heading_deg, pair[1].heading_deg)
    if difference is not None:
        aligned = min(difference, 180 - difference) <= weights.aligned_deg
        score += 0.05 if aligned else -0.05
        (raised if aligned else lowered).append(f"headings {'aligned' if aligned else 'apart'} ({difference:.0f} deg)")
    statuses = sorted({s.nav_status for s in pair if s.nav_status is not None and s.nav_status in _STATUS_WORDS})
    if statuses:
        score += 0.05
        raised.append("nav status " + " and ".join(_STATUS_WORDS[s] for s in statuses))
    if partners:
        score += 0.05
        raised.append(f"{partners} more partner(s) the same day")
    night = _night_share(start, end, lon, weights) >= 0.5
    if night:
        score += 0.05
        raised.append("at night")
    changes = [s.draught_change_m for s in pair if s.draught_change_m is not None]
    moved = any(abs(c) >= weights.min_draught_change_m for c in changes)
    if moved:
        score += 0.1
        raised.append("draught changed after it")
    return Evidence(
        score=float(np.clip(score, 0.3, 1.0)),
        raised=tuple(raised),
        lowered=tuple(lowered),
        heading_difference_deg=None if difference is None else round(difference, 1),
        night=night,
        draught_change_after=moved,
    )


def _heading_difference(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    return float(abs((a - b + 180) % 360 - 180))


def _night_share(start: int, end: int, lon: float, weights: Weights) -> float:
    """Share of the encounter's hours in local (solar) night."""
    moments = np.arange(start, max(end, start + 1), _US_PER_H // 6)
    local = (moments / _US_PER_H + lon / 15) % 24
    lo, hi = weights.night_start_h, weights.night_end_h
    night = (local >= lo) | (local < hi) if lo > hi else (local >= lo) & (local < hi)
    return float(night.mean())
