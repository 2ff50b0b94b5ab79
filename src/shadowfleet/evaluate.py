"""`shadowfleet evaluate`: detected events against a simulation's truth, per event type.

An event matches a planted case of its type when it concerns the same vessel (the same pair, in
either order, for an encounter) and their time windows overlap. Precision is the share of events
that match a case, recall the share of cases matched. Encounters marked `in_port` are not alarms.
A decoy is raised when any event (other than an in-port encounter) concerns its vessels during it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

EVENT_TYPES = (
    "encounter",
    "loitering",
    "ais_gap",
    "position_jump",
    "identity_clash",
    "invalid_identity",
    "zone_visit",
    "draught_change",
)


@dataclass
class Scores:
    event_type: str
    cases: int
    events: int
    matched_cases: int
    matching_events: int

    @property
    def precision(self) -> float:
        return self.matching_events / self.events if self.events else 1.0

    @property
    def recall(self) -> float:
        return self.matched_cases / self.cases if self.cases else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    scores: list[Scores] = field(default_factory=list)
    decoy_alarms: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "by_type": {
                s.event_type: {
                    "cases": s.cases,
                    "events": s.events,
                    "precision": round(s.precision, 3),
                    "recall": round(s.recall, 3),
                    "f1": round(s.f1, 3),
                }
                for s in self.scores
            },
            "decoy_alarms": self.decoy_alarms,
        }


def _t(value: Any) -> float:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.timestamp()


def _vessels(item: dict[str, Any]) -> set[int]:
    return {v for v in (item["mmsi"], item.get("other_mmsi")) if v is not None}


def _matches(event: dict[str, Any], case: dict[str, Any]) -> bool:
    same = _vessels(event) == _vessels(case) if case.get("other_mmsi") else event["mmsi"] == case["mmsi"]
    return same and _t(event["start_time"]) <= _t(case["end"]) and _t(case["start"]) <= _t(event["end_time"])


def _alarm(event: dict[str, Any]) -> bool:
    return not (event["event_type"] == "encounter" and json.loads(event["details"]).get("in_port"))


def evaluate(truth_path: Path, events: list[dict[str, Any]]) -> Evaluation:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    alarms = [e for e in events if _alarm(e)]
    result = Evaluation()
    for kind in EVENT_TYPES:
        cases = [c for c in truth["cases"] if c["kind"] == kind]
        found = [e for e in alarms if e["event_type"] == kind]
        result.scores.append(
            Scores(
                kind,
                len(cases),
                len(found),
                sum(any(_matches(e, c) for e in found) for c in cases),
                sum(any(_matches(e, c) for c in cases) for e in found),
            )
        )
    for decoy in truth["decoys"]:
        for e in alarms:
            if (
                _vessels(e) & _vessels(decoy)
                and _t(e["start_time"]) <= _t(decoy["end"])
                and _t(decoy["start"]) <= _t(e["end_time"])
            ):
                result.decoy_alarms.append(
                    {
                        "decoy": decoy["kind"],
                        "event_type": e["event_type"],
                        "event_id": e["event_id"],
                        "reason": e["reason"],
                    }
                )
    return result
