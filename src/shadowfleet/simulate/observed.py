"""Whether a planted case can be seen at all in what the receivers logged: a truth nobody could detect is
no test. A case that fails is listed in `truth.json` under "unobservable" with its reason, and
`evaluate` counts it neither as a case nor, when a detector reports it anyway, as a false alarm.

Nothing is made audible: satellites hear planted ships exactly as they hear the background.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shadowfleet.simulate.traffic import Simulator
from shadowfleet.simulate.truth import (
    AIS_GAP,
    DRAUGHT_CHANGE,
    ENCOUNTER,
    IDENTITY_CLASH,
    INVALID_IDENTITY,
    LOITERING,
    POSITION_JUMP,
    ZONE_VISIT,
    Case,
)
from shadowfleet.simulate.writer import Received

H = 3600.0
SCENE_MINIMUM = 3  # reports of each vessel of a transfer or loitering in its window (issue 10: 30-180 min apart)
GAP_BEFORE_MINIMUM = 5  # reports in the 12 h before a dark period: it was being heard (reference.md section 1)
DRAUGHT_MINIMUM = 2  # reports of each declared value around a change: a stable new value, not one typo
ZONE_MINIMUM = 2  # reports inside DPRK waters
CLONE_MINIMUM = 3  # reports of each transmitter of a shared MMSI in the window
IDENTITY_MINIMUM = 3


class Heard:
    """The reports logged of every MMSI (all its transmitters together, and each apart)."""

    def __init__(self, sim: Simulator, reports: list[Received]) -> None:
        self.sim = sim
        self.by_mmsi: dict[int, list[Received]] = {}
        for r in reports:
            self.by_mmsi.setdefault(r.vessel.mmsi, []).append(r)

    def rows(self, mmsi: int) -> np.ndarray:
        parts = [r.rows for r in self.by_mmsi.get(mmsi, [])]
        rows = np.concatenate(parts) if parts else np.zeros((0, 6))
        return rows[np.argsort(rows[:, 0], kind="stable")]

    def times(self, mmsi: int) -> np.ndarray:
        return self.rows(mmsi)[:, 0]

    def within(self, mmsi: int, start: float, end: float) -> np.ndarray:
        t = self.times(mmsi)
        return t[(t >= start) & (t <= end)]


def _scene(case: Case, heard: Heard) -> str | None:
    for m in (case.mmsi, case.other_mmsi):
        if m is not None and len(heard.within(m, case.start_s, case.end_s)) < SCENE_MINIMUM:
            return f"MMSI {m} heard {len(heard.within(m, case.start_s, case.end_s))} times in the window"
    return None


def _gap(case: Case, heard: Heard) -> str | None:
    t = heard.times(case.mmsi)
    before = int(((t >= case.start_s - 12 * H) & (t <= case.start_s)).sum())
    if before < GAP_BEFORE_MINIMUM:
        return f"heard {before} times in the 12 h before it went dark"
    if not (t >= case.end_s).any():
        return "never heard again"
    return None


def _draught(case: Case, heard: Heard) -> str | None:
    (vessel,) = [r.vessel for r in heard.by_mmsi[case.mmsi] if r.vessel.draughts]
    changed = vessel.draughts[-1][0]
    rows = heard.rows(case.mmsi)
    before = int((rows[:, 0] < changed).sum())
    after = rows[rows[:, 0] >= changed, 0]
    if before < DRAUGHT_MINIMUM or len(after) < DRAUGHT_MINIMUM:
        return f"old draught heard {before} times, new {len(after)} times"
    case.end_s = max(case.end_s, float(after[0]))  # the data shows the change when the new value is first heard
    return None


def _jump(case: Case, heard: Heard) -> str | None:
    t = heard.times(case.mmsi)
    away = int(((t >= case.start_s) & (t <= case.end_s)).sum())
    if not away or not (t < case.start_s).any() or not (t > case.end_s).any():
        return f"{away} spoofed reports heard, or none before or after"
    return None


def _clone(case: Case, heard: Heard) -> str | None:
    counts = [
        int(((r.rows[:, 0] >= case.start_s) & (r.rows[:, 0] <= case.end_s)).sum()) for r in heard.by_mmsi[case.mmsi]
    ]
    if sum(c >= CLONE_MINIMUM for c in counts) < 2:
        return f"transmitters heard {counts} times in the window"
    return None


def _identity(case: Case, heard: Heard) -> str | None:
    count = len(heard.times(case.mmsi))
    return None if count >= IDENTITY_MINIMUM else f"heard {count} times"


def _zone(case: Case, heard: Heard) -> str | None:
    rows = heard.rows(case.mmsi)
    rows = rows[(rows[:, 0] >= case.start_s) & (rows[:, 0] <= case.end_s)]
    inside = int(heard.sim.world.in_dprk(rows[:, 1], rows[:, 2]).sum())
    return None if inside >= ZONE_MINIMUM else f"heard {inside} times inside DPRK waters"


RULES: dict[str, Callable[[Case, Heard], str | None]] = {
    ENCOUNTER: _scene,
    LOITERING: _scene,
    AIS_GAP: _gap,
    DRAUGHT_CHANGE: _draught,
    POSITION_JUMP: _jump,
    IDENTITY_CLASH: _clone,
    INVALID_IDENTITY: _identity,
    ZONE_VISIT: _zone,
}


def unobservable(case: Case, heard: Heard) -> str | None:
    """Why a planted case cannot be seen in the reports logged (None: it can)."""
    return None if case.decoy else RULES[case.kind](case, heard)
