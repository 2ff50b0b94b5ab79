"""position_jump: fixes a ship cannot have reached, told apart as a single bad fix, a one-way jump,
or an excursion (away and back: the signature of a spoofed or manipulated position)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shadowfleet.core.events import EventType, JumpKind, PositionJumpDetails
from shadowfleet.core.geo import NM_M, haversine_m, land
from shadowfleet.detect.events import EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000


def _speed_kn(
    lat0: np.ndarray, lon0: np.ndarray, t0: np.ndarray, lat1: np.ndarray, lon1: np.ndarray, t1: np.ndarray
) -> np.ndarray:
    hours = np.maximum(np.abs(t1 - t0), 1_000_000) / _US_PER_H  # at least a second apart
    return np.asarray(haversine_m(lat0, lon0, lat1, lon1) / NM_M / hours)


@dataclass(frozen=True)
class JumpParams(Params):
    max_speed_kn: float
    min_jump_m: float


def detect_jumps(part: Partition, params: JumpParams, out: EventBuilder) -> None:
    tracks = part.tracks
    max_kn, min_m = params.max_speed_kn, params.min_jump_m
    lat, lon, ts = tracks["lat"].to_numpy(), tracks["lon"].to_numpy(), tracks["ts"].to_numpy()
    dist, speed = part.moves()
    bad = (speed > max_kn) & (dist > min_m)  # bad[i]: the step from fix i-1 to fix i is impossible
    track = _Track(tracks, lat, lon, ts, bad, max_kn)
    i = 0
    flagged = np.flatnonzero(bad)
    while i < len(flagged):
        at = int(flagged[i])
        used = track.classify(at, params, out)
        i += used


class _Track:
    def __init__(
        self, tracks: pl.DataFrame, lat: np.ndarray, lon: np.ndarray, ts: np.ndarray, bad: np.ndarray, max_kn: float
    ) -> None:
        self.tracks, self.lat, self.lon, self.ts, self.bad, self.max_kn = tracks, lat, lon, ts, bad, max_kn
        self.mmsi = tracks["mmsi"].to_numpy()
        self.sources, self.lines = tracks["source"], tracks["line"]  # read only for the few flagged fixes

    def reachable(self, a: int, b: int) -> bool:
        speed = _speed_kn(
            self.lat[a : a + 1],
            self.lon[a : a + 1],
            self.ts[a : a + 1],
            self.lat[b : b + 1],
            self.lon[b : b + 1],
            self.ts[b : b + 1],
        )
        return bool(speed[0] <= self.max_kn)

    def classify(self, at: int, params: JumpParams, out: EventBuilder) -> int:
        """Emit the event that starts with the impossible step into fix `at`; return the flagged steps it used."""
        before, vessel = at - 1, self.mmsi[at]
        end = at
        while end + 1 < len(self.ts) and self.mmsi[end + 1] == vessel and not self.reachable(before, end + 1):
            end += 1
            if end - at > 10_000:  # a vessel that never comes back: treat as a one-way jump
                break
        returned = end + 1 < len(self.ts) and self.mmsi[end + 1] == vessel and self.bad[end + 1]
        away = list(range(at, end + 1))
        if returned and len(away) == 1:
            kind, score = JumpKind.BAD_FIX, 0.2
        elif returned:
            kind, score = JumpKind.EXCURSION, 0.7
        else:
            kind, score, away = JumpKind.JUMP, 0.5, [at]
        on_land = int(land().contains(self.lat[away], self.lon[away]).sum())
        score += 0.2 * (on_land > 0)
        refs_at = [before, *away, *([end + 1] if returned else [])]
        span_end = int(self.ts[away[-1]]) if kind is not JumpKind.JUMP else int(self.ts[at])
        start = int(self.ts[at]) if kind is not JumpKind.JUMP else int(self.ts[before])
        moved = float(haversine_m(self.lat[before], self.lon[before], self.lat[at], self.lon[at]))
        hours = (self.ts[at] - self.ts[before]) / _US_PER_H
        speed = moved / NM_M / max(hours, 1 / 3600)
        words = {
            JumpKind.BAD_FIX: "a single fix",
            JumpKind.EXCURSION: f"{len(away)} fixes, then back",
            JumpKind.JUMP: "and stays there",
        }[kind]
        reason = f"position jumps {moved / NM_M:.0f} nm in {hours * 60:.0f} min ({speed:.0f} kn): {words}" + (
            f"; {on_land} of the off-track fixes lie on land" if on_land else ""
        )
        out.add(
            PositionJumpDetails(
                kind=kind, off_track_fixes=len(away), on_land=on_land, implied_speed_kn=round(speed, 1)
            ),
            int(vessel),
            start,
            span_end,
            lat=float(self.lat[at]),
            lon=float(self.lon[at]),
            score=score,
            reason=reason,
            version=params.version,
            distance_m=moved,
            refs=[(str(self.sources[int(k)]), int(self.lines[int(k)])) for k in refs_at],
        )
        return 2 if returned else 1


DETECTORS = (Detector(EventType.POSITION_JUMP, JumpParams, detect_jumps),)
