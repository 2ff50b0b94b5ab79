"""What the scenario's receivers logged, as NOAA MarineCadastre CSV (the format analysts download most),
and its truth as `truth.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from shadowfleet.simulate.reception import Coverage, Reception
from shadowfleet.simulate.traffic import Simulator, Vessel
from shadowfleet.simulate.truth import AIS_GAP, Case, Truth

NOAA_HEADER = [
    "MMSI",
    "BaseDateTime",
    "LAT",
    "LON",
    "SOG",
    "COG",
    "Heading",
    "VesselName",
    "IMO",
    "CallSign",
    "VesselType",
    "Status",
    "Length",
    "Width",
    "Draft",
    "Cargo",
    "TransceiverClass",
]


@dataclass
class Received:
    """One vessel's received reports: time (s), claimed position, sog, cog, declared draught."""

    vessel: Vessel
    rows: np.ndarray  # t, lat, lon, sog, cog, draught


def received(v: Vessel, heard: np.ndarray, fixes: np.ndarray) -> Received:
    """The reports a receiver logged: heard transmissions, with the positions the vessel claimed."""
    cog = _course(fixes)
    rows = np.column_stack([fixes, cog, _draughts(v, fixes[:, 0])])[heard]
    for t0, t1, dlat, dlon in v.shifts:
        seconds = np.rint(rows[:, 0])  # as the CSV states the time
        shifted = (seconds >= t0) & (seconds <= t1)
        rows[shifted, 1] += dlat
        rows[shifted, 2] += dlon
    return Received(v, rows)


def _course(fixes: np.ndarray) -> np.ndarray:
    """Course over ground from each true position to the next (the last repeats)."""
    if len(fixes) < 2:
        return np.zeros(len(fixes))
    dlat = np.diff(fixes[:, 1])
    dlon = np.diff(fixes[:, 2]) * np.cos(np.radians(fixes[1:, 1]))
    cog = np.degrees(np.arctan2(dlon, dlat)) % 360
    return np.concatenate([cog, cog[-1:]])


def _draughts(v: Vessel, t: np.ndarray) -> np.ndarray:
    if not v.draughts:
        return np.full(len(t), v.draught)
    since = np.array([s for s, _ in v.draughts])
    values = np.array([d for _, d in v.draughts])
    at = np.searchsorted(since, t, side="right") - 1
    return np.where(at >= 0, values[np.maximum(at, 0)], v.draught)


def write_csv(sim: Simulator, reports: list[Received], path: Path) -> int:
    """One NOAA row per report, written by Arrow (a million rows in about a second)."""
    rows = np.concatenate([r.rows for r in reports]) if reports else np.zeros((0, 6))
    owner = np.repeat(np.arange(len(reports)), [len(r.rows) for r in reports])

    def per_vessel(values: list[object], kind: pa.DataType) -> pa.Array[Any]:
        return pa.array(values, kind).take(cast(pa.Int64Array, pa.array(owner)))

    vessels = [r.vessel for r in reports]
    start = np.datetime64(sim.start.replace(tzinfo=None), "s")
    when = np.datetime_as_string(start + np.rint(rows[:, 0]).astype("timedelta64[s]"), unit="s")
    sog = np.round(rows[:, 3], 1)
    columns = {
        "MMSI": per_vessel([v.mmsi for v in vessels], pa.int64()),
        "BaseDateTime": pa.array(when),
        "LAT": pa.array(np.round(rows[:, 1], 6)),
        "LON": pa.array(np.round(rows[:, 2], 6)),
        "SOG": pa.array(sog),
        "COG": pa.array(np.round(rows[:, 4], 1)),
        "Heading": pa.array(np.full(len(rows), 511)),
        "VesselName": per_vessel([v.name for v in vessels], pa.string()),
        "IMO": per_vessel([f"IMO{v.imo}" if v.imo else "" for v in vessels], pa.string()),
        "CallSign": pa.array(np.full(len(rows), ""), pa.string()),
        "VesselType": per_vessel([v.ship_type for v in vessels], pa.int64()),
        "Status": pa.array(np.where(sog >= 2, 0, 1)),  # under way using engine / at anchor
        "Length": per_vessel([round(v.length) for v in vessels], pa.int64()),
        "Width": per_vessel([round(v.beam) for v in vessels], pa.int64()),
        "Draft": pa.array(np.round(rows[:, 5], 1)),
        "Cargo": pa.array(np.full(len(rows), ""), pa.string()),
        "TransceiverClass": per_vessel([v.cls for v in vessels], pa.string()),
    }
    table = pa.table({name: columns[name] for name in NOAA_HEADER})
    with path.open("wb") as fh:
        fh.write((",".join(NOAA_HEADER) + "\n").encode())
        pa_csv.write_csv(table, fh, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    return len(rows)


def _heard_times(reports: list[Received]) -> dict[int, np.ndarray]:
    by: dict[int, list[np.ndarray]] = {}
    for r in reports:
        by.setdefault(r.vessel.mmsi, []).append(r.rows[:, 0])
    return {m: np.sort(np.concatenate(ts)) for m, ts in by.items()}


def _settle_gap(case: Case, times: np.ndarray) -> None:
    """A planted dark period as the data shows it: from the last report heard before AIS went off
    to the first heard after it came back on."""
    before, after = times[times <= case.start_s], times[times >= case.end_s]
    if len(before):
        case.start_s = float(before.max())
    if len(after):
        case.end_s = float(after.min())


def _entry(sim: Simulator, case: Case, heard: dict[int, np.ndarray], why: str | None = None) -> dict[str, Any]:
    vessels = [m for m in (case.mmsi, case.other_mmsi) if m is not None]
    counts, silences = {}, {}
    for m in vessels:
        times = heard.get(m, np.zeros(0))
        counts[str(m)] = int(((times >= case.start_s) & (times <= case.end_s)).sum())
        silences[str(m)] = longest_silence_min(times, case.start_s, case.end_s)
    entry: dict[str, Any] = {
        "kind": case.kind,
        "mmsi": case.mmsi,
        "other_mmsi": case.other_mmsi,
        "start": sim.iso(case.start_s),
        "end": sim.iso(case.end_s),
        "detail": case.detail,
        "fixes_heard": counts,
        "longest_silence_min": silences,
    }
    if case.decoy:
        entry["not_alarms"] = list(case.not_alarms)
    if case.at is not None:
        entry["lat"], entry["lon"] = round(case.at[0], 5), round(case.at[1], 5)
    if why is not None:
        entry["why"] = why
    return entry


def longest_silence_min(times: np.ndarray, start: float, end: float) -> float:
    """The longest stretch of a window without a report (its ends count as edges)."""
    inside = times[(times >= start) & (times <= end)]
    edges = np.concatenate([[start], inside, [end]])
    return round(float(np.diff(edges).max()) / 60, 1)


def settle_gaps(truth: Truth, reports: list[Received]) -> None:
    """Planted dark periods as the data shows them (before anything is judged on them)."""
    heard = _heard_times(reports)
    for case in truth.cases:
        if case.kind == AIS_GAP and not case.decoy and case.mmsi in heard:
            _settle_gap(case, heard[case.mmsi])


def write_truth(
    sim: Simulator, coverage: Coverage, truth: Truth, reports: list[Received], path: Path, hidden: dict[int, str]
) -> None:
    """`hidden`: the planted cases (by index in `truth.cases`) nobody could see, and why."""
    heard = _heard_times(reports)
    mixed = coverage.model is Reception.MIXED
    planted = [(i, c) for i, c in enumerate(truth.cases) if not c.decoy]
    document = {
        "generator": "shadowfleet simulate",
        "region": sim.region.name,
        "reception": coverage.model.value,
        "start": sim.start.isoformat(),
        "days": sim.days,
        "shore_range_nm": round(coverage.shore_range_nm, 1) if mixed else None,
        "shore_range_min_nm": round(float(coverage.ranges_nm.min()), 1) if mixed else None,
        "satellite_passes": len(coverage.passes_s) if mixed else 0,
        "details": sim.details.to_json(),
        "coverage_holes": [
            {
                "lat_min": h.lat_min,
                "lat_max": h.lat_max,
                "lon_min": h.lon_min,
                "lon_max": h.lon_max,
                "start": sim.iso(h.start_s),
                "end": sim.iso(h.end_s),
            }
            for h in (coverage.holes if mixed else [])
        ],
        "anchorages": [a.__dict__ for a in truth.anchorages],
        "cases": [_entry(sim, c, heard) for i, c in planted if i not in hidden],
        "unobservable": [_entry(sim, c, heard, hidden[i]) for i, c in planted if i in hidden],
        "decoys": [_entry(sim, c, heard) for c in truth.cases if c.decoy],
    }
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
