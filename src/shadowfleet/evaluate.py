"""`shadowfleet evaluate`: detected events against a simulation's truth, per event type.

An alarm is an event scored >= 0.3 that is not marked `in_port` (an event below 0.3 is context: in
port, in a coverage hole). An alarm matches a planted case of its type when it concerns the same
vessel (the same pair, in either order, for an encounter) and their time windows overlap. Precision
is the share of alarms that match a case, recall the share of cases matched, macro F1 the mean F1 of
the event types. Besides, it counts the alarms on decoys (of the types the decoy names), encounter
alarms at the truth's outer anchorages and gap alarms inside its coverage holes.

A planted case the receivers heard too thinly to be seen (truth.json's "unobservable") is not a case;
an alarm that matches one is set aside (neither a hit nor a false alarm) and counted apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from shadowfleet.core.events import EncounterDetails, EventType, LoiteringDetails, details_of
from shadowfleet.core.geo import haversine_m

EVENT_TYPES = tuple(EventType)

ALARM_SCORE = 0.3  # the brief's line between an alarm and context
ANCHORAGE_MARGIN_M = 2000.0  # an encounter this close to an anchorage's edge is at the anchorage
HOLE_MARGIN_DEG = 0.3  # a gap's first fix may lie a little outside the hole it fell silent in

__all__ = ["EVENT_TYPES", "Evaluation", "Scores", "evaluate", "is_alarm"]


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
    anchorage_encounter_alarms: list[str] = field(default_factory=list)  # event ids
    hole_gap_alarms: list[str] = field(default_factory=list)  # event ids
    unobservable_alarms: list[str] = field(default_factory=list)  # event ids matching an unobservable case
    reception: str | None = None

    @property
    def macro_f1(self) -> float:
        scored = [s.f1 for s in self.scores if s.cases or s.events]
        return sum(scored) / len(scored) if scored else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "reception": self.reception,
            "by_type": {
                s.event_type: {
                    "cases": s.cases,
                    "events": s.events,
                    "matched_cases": s.matched_cases,
                    "precision": round(s.precision, 3),
                    "recall": round(s.recall, 3),
                    "f1": round(s.f1, 3),
                }
                for s in self.scores
            },
            "macro_f1": round(self.macro_f1, 3),
            "decoy_alarms": self.decoy_alarms,
            "anchorage_encounter_alarms": len(self.anchorage_encounter_alarms),
            "hole_gap_alarms": len(self.hole_gap_alarms),
            "unobservable_alarms": len(self.unobservable_alarms),
        }


def _t(value: Any) -> float:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.timestamp()


def _vessels(item: dict[str, Any]) -> set[int]:
    return {v for v in (item["mmsi"], item.get("other_mmsi")) if v is not None}


def _overlap(event: dict[str, Any], start: Any, end: Any) -> bool:
    return _t(event["start_time"]) <= _t(end) and _t(start) <= _t(event["end_time"])


def _matches(event: dict[str, Any], case: dict[str, Any]) -> bool:
    same = _vessels(event) == _vessels(case) if case.get("other_mmsi") else event["mmsi"] == case["mmsi"]
    return same and _overlap(event, case["start"], case["end"])


def _in_port(event: dict[str, Any]) -> bool:
    """Marked in port by its detector (read through the typed details; unreadable details are not)."""
    text = event.get("details")
    if not isinstance(text, str) or not text:
        return False
    try:
        details = details_of(event["event_type"], text)
    except (ValueError, TypeError, KeyError):
        return False
    return isinstance(details, EncounterDetails | LoiteringDetails) and details.in_port


def is_alarm(event: dict[str, Any]) -> bool:
    """Scored as an alarm (>= 0.3) and not in port."""
    score = event.get("score")
    return (score is None or float(score) >= ALARM_SCORE) and not _in_port(event)


def _at_anchorage(event: dict[str, Any], anchorages: list[dict[str, Any]]) -> bool:
    if event.get("lat") is None or event.get("lon") is None:
        return False
    return any(
        float(haversine_m(event["lat"], event["lon"], a["lat"], a["lon"])) <= a["radius_m"] + ANCHORAGE_MARGIN_M
        for a in anchorages
    )


def _in_hole(event: dict[str, Any], holes: list[dict[str, Any]]) -> bool:
    if event.get("lat") is None or event.get("lon") is None:
        return False
    lat, lon, m = float(event["lat"]), float(event["lon"]), HOLE_MARGIN_DEG
    return any(
        h["lat_min"] - m <= lat <= h["lat_max"] + m
        and h["lon_min"] - m <= lon <= h["lon_max"] + m
        and _overlap(event, h["start"], h["end"])
        for h in holes
    )


def _score(kind: str, cases: list[dict[str, Any]], alarms: list[dict[str, Any]]) -> Scores:
    mine = [c for c in cases if c["kind"] == kind]
    found = [e for e in alarms if e["event_type"] == kind]
    return Scores(
        kind,
        len(mine),
        len(found),
        sum(any(_matches(e, c) for e in found) for c in mine),
        sum(any(_matches(e, c) for c in mine) for e in found),
    )


def _decoy_alarms(decoys: list[dict[str, Any]], alarms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Alarms of a barred type on a decoy's vessels during it; an alarm on two decoys (two ships waiting
    at one anchorage) counts once."""
    raised: dict[str, dict[str, Any]] = {}
    for decoy in decoys:
        barred = set(decoy.get("not_alarms") or EVENT_TYPES)
        for e in alarms:
            if e["event_id"] in raised or e["event_type"] not in barred:
                continue
            if _vessels(e) & _vessels(decoy) and _overlap(e, decoy["start"], decoy["end"]):
                raised[e["event_id"]] = {
                    "decoy": decoy["kind"],
                    "event_type": e["event_type"],
                    "event_id": e["event_id"],
                    "reason": e["reason"],
                }
    return list(raised.values())


def evaluate(truth_path: Path, events: list[dict[str, Any]]) -> Evaluation:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    alarms = [e for e in events if is_alarm(e)]
    unseen = truth.get("unobservable", [])
    aside = [e for e in alarms if any(e["event_type"] == c["kind"] and _matches(e, c) for c in unseen)]
    alarms = [e for e in alarms if e not in aside]
    result = Evaluation(reception=truth.get("reception"), unobservable_alarms=[e["event_id"] for e in aside])
    result.scores = [_score(kind, truth["cases"], alarms) for kind in EVENT_TYPES]
    result.decoy_alarms = _decoy_alarms(truth["decoys"], alarms)
    anchorages, holes = truth.get("anchorages", []), truth.get("coverage_holes", [])
    result.anchorage_encounter_alarms = [
        e["event_id"] for e in alarms if e["event_type"] == EventType.ENCOUNTER and _at_anchorage(e, anchorages)
    ]
    # false gap alarms in a hole: a planted dark period that runs across a hole was silenced by its crew
    dark = [c for c in truth["cases"] if c["kind"] == EventType.AIS_GAP]
    result.hole_gap_alarms = [
        e["event_id"]
        for e in alarms
        if e["event_type"] == EventType.AIS_GAP and _in_hole(e, holes) and not any(_matches(e, c) for c in dark)
    ]
    return result
