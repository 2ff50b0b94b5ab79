"""position_jump: fixes a ship cannot have reached, told apart as a single bad fix, a one-way jump,
or an excursion (away and back: the signature of a spoofed or manipulated position).

An excursion is a short run of fixes that does not overlap the main track in time, after which the main
track resumes where the ship could have been (reference.md §7, "Excursion vs shared MMSI"); two tracks that
interleave in time are a shared MMSI instead (identity_clash). Under sparse satellite reception an
excursion's legs can be slower than the impossible speed, so a hairpin (away and back faster than the
segmenter's 25 kn) counts too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shadowfleet.core.events import EventType, JumpKind, PositionJumpDetails
from shadowfleet.core.geo import NM_M, haversine_m, land
from shadowfleet.detect.events import EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000
_HOME_WITHIN_US = 24 * _US_PER_H  # GFW's segmenter: a gap over 24 h starts a new segment (reference.md §1)
_ONE_WAY_LIMIT = 10_000  # fixes after an impossible step before we call it a vessel that never came back


@dataclass(frozen=True)
class JumpParams(Params):
    max_speed_kn: float  # faster than this between two fixes is impossible
    min_jump_m: float  # an impossible step must also cover this much (GPS jitter over seconds)
    hairpin_speed_kn: float  # away and back faster than this is implausible
    min_hairpin_m: float  # a hairpin's legs must each cover this much
    max_excursion_fixes: int  # a hairpin excursion holds at most this many fixes
    min_excursion_h: float  # an excursion shorter than this with no fix on land is a burst of noise


def detect_jumps(part: Partition, params: JumpParams, out: EventBuilder) -> None:
    tracks = part.tracks
    lat, lon, ts = tracks["lat"].to_numpy(), tracks["lon"].to_numpy(), tracks["ts"].to_numpy()
    mmsi = tracks["mmsi"].to_numpy()
    dist, speed = part.moves()
    # impossible[i] / fast[i]: the step from fix i-1 to fix i
    impossible = (speed > params.max_speed_kn) & (dist > params.min_jump_m)
    fast = impossible | ((speed > params.hairpin_speed_kn) & (dist > params.min_hairpin_m))
    track = _Track(tracks, lat, lon, ts, mmsi, impossible, fast, params)
    done = -1
    for at in np.flatnonzero(fast).tolist():
        if at > done:
            done = track.classify(at, out)


class _Track:
    def __init__(
        self,
        tracks: pl.DataFrame,
        lat: np.ndarray,
        lon: np.ndarray,
        ts: np.ndarray,
        mmsi: np.ndarray,
        impossible: np.ndarray,
        fast: np.ndarray,
        params: JumpParams,
    ) -> None:
        self.lat, self.lon, self.ts, self.mmsi = lat, lon, ts, mmsi
        self.impossible, self.fast, self.params = impossible, fast, params
        self.sources, self.lines = tracks["source"], tracks["line"]  # read only for the few flagged fixes

    def reachable(self, a: int, b: int, max_kn: float) -> bool:
        metres = float(haversine_m(self.lat[a], self.lon[a], self.lat[b], self.lon[b]))
        hours = max(abs(int(self.ts[b]) - int(self.ts[a])), 1_000_000) / _US_PER_H
        return metres / NM_M / hours <= max_kn

    def far(self, a: int, b: int) -> bool:
        return float(haversine_m(self.lat[a], self.lon[a], self.lat[b], self.lon[b])) > self.params.min_hairpin_m

    def same(self, k: int, vessel: int) -> bool:
        return k < len(self.ts) and self.mmsi[k] == vessel

    def classify(self, at: int, out: EventBuilder) -> int:
        """Emit the event that starts with the step into fix `at`, if any; return the last fix it explains."""
        before, vessel = at - 1, self.mmsi[at]
        impossible = bool(self.impossible[at])
        limit = self.params.max_speed_kn if impossible else self.params.hairpin_speed_kn
        cap = _ONE_WAY_LIMIT if impossible else self.params.max_excursion_fixes
        end = at
        while self.same(end + 1, vessel) and not self.reachable(before, end + 1, limit) and end - at < cap:
            end += 1
        back = end + 1
        # the main track resumes where the ship could have been, and the step back is itself a leap
        returned = self.same(back, vessel) and self.reachable(before, back, limit) and bool(self.fast[back])
        if impossible and not returned:
            # a long excursion: after hours away even its far fixes are "reachable" at 50 kn, so look for the
            # leap back onto a track the ship could have sailed at a plausible speed (GFW's 25 kn)
            home = self._leap_home(before, at, vessel)
            if home is not None:
                end, back, returned = home - 1, home, True
        if not impossible and not (returned and end - at < self.params.max_excursion_fixes):
            return at  # a fast leg that neither comes back nor is impossible: a fast ship, not a jump
        away = list(range(at, end + 1)) if returned else [at]
        kind = (JumpKind.BAD_FIX if len(away) == 1 else JumpKind.EXCURSION) if returned else JumpKind.JUMP
        self._emit(kind, before, away, back if returned else None, out)
        return back if returned else at

    def _leap_home(self, before: int, at: int, vessel: int) -> int | None:
        """The first later fix reached by an impossible leap that lands where the ship could have sailed from
        `before` at the segmenter's plausible speed, within a day (a longer stay elsewhere is a move); both
        leaps must be hairpin-long (a 2 km hop and a hop back hours later are two glitches, not an excursion)."""
        if not self.far(before, at):
            return None
        k = at + 1
        while self.same(k, vessel) and self.ts[k] - self.ts[at] <= _HOME_WITHIN_US and k - at < _ONE_WAY_LIMIT:
            if self.impossible[k] and self.far(k - 1, k) and self.reachable(before, k, self.params.hairpin_speed_kn):
                return k
            k += 1
        return None

    def _emit(self, kind: JumpKind, before: int, away: list[int], back: int | None, out: EventBuilder) -> None:
        at = away[0]
        on_land = int(land().contains(self.lat[away], self.lon[away]).sum())
        # on land is proof of a false position, and worth an analyst's look, only when the track comes back and
        # the false positions last: a spoof moves a ship for hours; a few fixes within minutes, on land or not,
        # are a receiver's or GNSS glitch (real MarineCadastre: 2 fixes 43 nm inland for 3 min, then back)
        away_h = (self.ts[away[-1]] - self.ts[at]) / _US_PER_H
        burst = kind is JumpKind.EXCURSION and away_h < self.params.min_excursion_h
        score = 0.2 if burst else _SCORE[kind] + 0.2 * (on_land > 0 and kind is JumpKind.EXCURSION)
        refs_at = [before, *away, *([back] if back is not None else [])]
        start = int(self.ts[at]) if kind is not JumpKind.JUMP else int(self.ts[before])
        span_end = int(self.ts[away[-1]]) if kind is not JumpKind.JUMP else int(self.ts[at])
        moved = float(haversine_m(self.lat[before], self.lon[before], self.lat[at], self.lon[at]))
        farthest = float(haversine_m(self.lat[before], self.lon[before], self.lat[away], self.lon[away]).max())
        hours = (self.ts[at] - self.ts[before]) / _US_PER_H
        speed = moved / NM_M / max(hours, 1 / 3600)
        back_kn = None
        if back is not None:
            leg = float(haversine_m(self.lat[away[-1]], self.lon[away[-1]], self.lat[back], self.lon[back]))
            back_kn = leg / NM_M / max((self.ts[back] - self.ts[away[-1]]) / _US_PER_H, 1 / 3600)
        words = {
            JumpKind.BAD_FIX: "a single fix, then back on track",
            JumpKind.EXCURSION: f"{len(away)} fixes over {away_h:.1f} h, then back on track",
            JumpKind.JUMP: "and stays there",
        }[kind]
        reason = (
            f"position jumps {moved / NM_M:.0f} nm in {hours * 60:.0f} min ({speed:.0f} kn): {words}"
            + (f" at {back_kn:.0f} kn" if back_kn is not None else "")
            + (f"; {on_land} of the off-track fixes lie on land" if on_land else "")
        )
        if kind is JumpKind.JUMP:
            reason += _ONE_WAY
        if burst:
            reason += _BURST.format(minutes=self.params.min_excursion_h * 60)
        out.add(
            PositionJumpDetails(
                kind=kind,
                off_track_fixes=len(away),
                on_land=on_land,
                implied_speed_kn=round(speed, 1),
                return_speed_kn=None if back_kn is None else round(back_kn, 1),
                farthest_nm=round(farthest / NM_M, 1),
                away_h=round(float(away_h), 2),
            ),
            int(self.mmsi[at]),
            start,
            span_end,
            lat=float(self.lat[at]),
            lon=float(self.lon[at]),
            score=score,
            reason=reason,
            version=self.params.version,
            distance_m=moved,
            refs=[(str(self.sources[int(k)]), int(self.lines[int(k)])) for k in refs_at],
        )


# < 0.3 is context: a lone fix off the track is a glitch, and a one-way jump (no return) is as likely a
# receiver or track-join artefact; only an excursion (away and back, reference.md §7) is spoofing's shape
_ONE_WAY = (
    "; context, not an alarm: with no way back, a receiver glitch, two tracks joined under one MMSI or a wrong "
    "time stamp explain it as well as a spoof"
)
_BURST = (
    "; context, not an alarm: away for under {minutes:.0f} min, a burst of receiver or GNSS noise as likely as a "
    "spoofed excursion, which lasts (reference.md §7)"
)
_SCORE = {JumpKind.BAD_FIX: 0.2, JumpKind.EXCURSION: 0.7, JumpKind.JUMP: 0.2}

DETECTORS = (Detector(EventType.POSITION_JUMP, JumpParams, detect_jumps),)
