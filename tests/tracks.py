"""Build small tracks in a test, movingpandas-style, and hand them straight to a detector.

    fleet = Tracks(T0).vessel(1, at=SEA).stay(hours=3, every_min=30).move(hours=1, knots=10, course_deg=90)
    part = fleet.partition()           # the Partition a runner would bring
    events = run_detector(EventType.LOITERING, part)

Positions advance on a flat earth (exact enough over the few km a test needs); times are UTC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from shadowfleet.core.events import EventType
from shadowfleet.detect.anchorages import Nearby
from shadowfleet.detect.coverage import Coverage
from shadowfleet.detect.encounters import EncounterFinder
from shadowfleet.detect.events import Config, EventBuilder
from shadowfleet.detect.registry import Partition, detector
from shadowfleet.detect.runner import STATIC_FRAME, TRACK_FRAME
from shadowfleet.detect.sts import DRAUGHTS, REQUEST_FIXES, summaries

_US = 1_000_000
_M_PER_DEG_LAT = 111_195.0
_KN_M_PER_H = 1852.0
KINEMATICS = {
    "mmsi": pl.Int64,
    "ts": pl.Int64,
    "heading_deg": pl.Float64,
    "cog_deg": pl.Float64,
    "nav_status": pl.Int64,
}


def micros(moment: datetime) -> int:
    return int(moment.timestamp() * _US)


@dataclass
class Vessel:
    """One vessel's fixes, appended leg by leg from where the last leg ended."""

    owner: Tracks
    mmsi: int
    lat: float
    lon: float
    t: datetime
    fixes: list[tuple[int, int, float, float, float | None]] = field(default_factory=list)  # mmsi, µs, lat, lon, sog
    sog_kn: float | None = None  # reported with each fix
    heading_deg: float | None = None  # sent with every fix from now on
    nav_status: int | None = None
    kinematics: list[tuple[int, int, float | None, int | None]] = field(default_factory=list)

    def fix(self) -> Vessel:
        self.fixes.append((self.mmsi, micros(self.t), self.lat, self.lon, self.sog_kn))
        self.kinematics.append((self.mmsi, micros(self.t), self.heading_deg, self.nav_status))
        return self

    def sends(self, heading_deg: float | None = None, nav_status: int | None = None) -> Vessel:
        self.heading_deg, self.nav_status = heading_deg, nav_status
        return self

    def stay(self, hours: float, every_min: float, drift_m: float = 0.0) -> Vessel:
        """Fixes every `every_min` minutes for `hours` (first one now), lying still or drifting north."""
        return self.move(hours, every_min, knots=drift_m / _KN_M_PER_H / max(hours, 1e-9), course_deg=0.0)

    def move(self, hours: float, every_min: float, knots: float, course_deg: float) -> Vessel:
        self.sog_kn = round(knots, 1)
        steps = round(hours * 60 / every_min)
        for k in range(steps + 1):
            if k:
                self._advance(every_min, knots, course_deg)
            self.fix()
        return self

    def silent(self, hours: float, knots: float = 0.0, course_deg: float = 0.0) -> Vessel:
        """No fixes for `hours`, while moving on as given."""
        self._advance(hours * 60, knots, course_deg)
        return self

    def vessel(self, mmsi: int, at: tuple[float, float], start: datetime | None = None) -> Vessel:
        return self.owner.vessel(mmsi, at, start)

    def _advance(self, minutes: float, knots: float, course_deg: float) -> None:
        metres = knots * _KN_M_PER_H * minutes / 60
        north = metres * math.cos(math.radians(course_deg))
        east = metres * math.sin(math.radians(course_deg))
        self.lat += north / _M_PER_DEG_LAT
        self.lon += east / (_M_PER_DEG_LAT * math.cos(math.radians(self.lat)))
        self.t += timedelta(minutes=minutes)


@dataclass
class Tracks:
    start: datetime
    vessels: list[Vessel] = field(default_factory=list)
    static_rows: list[dict[str, Any]] = field(default_factory=list)

    def vessel(self, mmsi: int, at: tuple[float, float], start: datetime | None = None) -> Vessel:
        v = Vessel(self, mmsi, at[0], at[1], start or self.start)
        self.vessels.append(v)
        return v

    def static(self, mmsi: int, at: datetime, **values: Any) -> Tracks:
        self.static_rows.append({"mmsi": mmsi, "ts": micros(at), **values})
        return self

    def frame(self) -> pl.DataFrame:
        """The fixes as a runner hands them to detectors: TRACK_FRAME, sorted by vessel, time, line."""
        rows = sorted(f for v in self.vessels for f in v.fixes)
        return pl.DataFrame(
            {
                "mmsi": [r[0] for r in rows],
                "ts": [r[1] for r in rows],
                "lat": [r[2] for r in rows],
                "lon": [r[3] for r in rows],
                "source": ["test"] * len(rows),
                "line": list(range(1, len(rows) + 1)),
                "sog_kn": [r[4] for r in rows],
            },
            schema=TRACK_FRAME,
        ).sort("mmsi", "ts", "line")

    def frame_with_kinematics(self) -> pl.DataFrame:
        """The fixes with heading, course and navigational status, as the runners' summary queries read them."""
        rows = sorted(k for v in self.vessels for k in v.kinematics)
        extra = pl.DataFrame(
            {
                "mmsi": [r[0] for r in rows],
                "ts": [r[1] for r in rows],
                "heading_deg": [r[2] for r in rows],
                "cog_deg": [None] * len(rows),
                "nav_status": [r[3] for r in rows],
            },
            schema={
                "mmsi": pl.Int64,
                "ts": pl.Int64,
                "heading_deg": pl.Float64,
                "cog_deg": pl.Float64,
                "nav_status": pl.Int64,
            },
        )
        return self.frame().join(extra, on=["mmsi", "ts"], how="left")

    def static_frame(self) -> pl.DataFrame:
        columns = {name: [r.get(name) for r in self.static_rows] for name in STATIC_FRAME}
        columns["source"] = ["test"] * len(self.static_rows)
        columns["line"] = [100_000 + i for i in range(len(self.static_rows))]
        return pl.DataFrame(columns, schema=STATIC_FRAME).sort("mmsi", "ts", "line")

    def partition(self, config: Config | None = None) -> Partition:
        """Recording from the first fix to the last, as a single source would."""
        tracks = self.frame()
        first, last = int(tracks["ts"].min() or 0), int(tracks["ts"].max() or 0)  # type: ignore[arg-type]
        return Partition(tracks, self.static_frame(), Coverage.of([(first, last)]), config or Config.load())


def run_detector(event_type: EventType, part: Partition, override: Path | None = None) -> list[dict[str, Any]]:
    """One registered vessel detector on one partition; its events as rows (details still JSON)."""
    config = part.config if override is None else Config.load(override)
    out = EventBuilder()
    found = detector(event_type)
    for need in found.needs:
        detector(need).run(part, config, part.found)
    found.run(part, config, out)
    return out.rows


def find_encounters(
    fleet: Tracks, config: Config | None = None, anchorages: Nearby | None = None
) -> list[dict[str, Any]]:
    """The encounter finder over the whole of a small fleet as one time chunk (no runner, no store)."""
    tracks = fleet.frame()
    finder = EncounterFinder(config or Config.load(), anchorages)
    lo = int(tracks["ts"].min()) // finder.slot_us * finder.slot_us  # type: ignore[arg-type]
    finder.add(tracks, lo, int(tracks["ts"].max()) + finder.slot_us)  # type: ignore[arg-type]
    requests = finder.requests()
    wanted = pl.DataFrame(requests, schema={"rmmsi": pl.Int64, "rstart": pl.Int64, "rend": pl.Int64}, orient="row")
    fixes = (
        wanted.join(fleet.frame_with_kinematics(), left_on="rmmsi", right_on="mmsi")
        .filter(pl.col("ts").is_between(pl.col("rstart"), pl.col("rend")))
        .select(list(REQUEST_FIXES))
        .cast(REQUEST_FIXES)  # type: ignore[arg-type]
    )
    draughts = fleet.static_frame().select("mmsi", "ts", "draught_m").drop_nulls().cast(DRAUGHTS)  # type: ignore[arg-type]
    out = EventBuilder()
    finder.finish(summaries(requests, fixes, draughts, finder.params.draught_after_h), out)
    return out.rows
