"""The UNSCR 2397 refined-petroleum cap: deliveries to North Korea estimated from detected events.

A delivery is an STS receipt by a DPRK-flagged (MID 445) or DPRK-bound tanker (one that enters DPRK
waters within 30 days after), or a foreign tanker's call at a DPRK port. Tonnes come from the draught
change (TPC) when one is recorded near the event, else from the tanker's size under the Panel's laden
fractions of 33, 60 and 90 % (reference.md §2: "deliveries x tanker capacity x assumed laden
fraction"). Barrels at 7.46 per tonne (gas/diesel oil, BP). Every delivery names its events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shadowfleet.core.events import DraughtChangeDetails, EventType
from shadowfleet.risk.dprk import dprk_port_call, dprk_visit
from shadowfleet.risk.evaluate import at_sea
from shadowfleet.risk.view import StoreView, Vessel
from shadowfleet.store.events import Event

CAP_BARRELS = 500_000  # UNSCR 2397 OP5, per 12 months (reference.md §2)
SCENARIOS = (0.33, 0.60, 0.90)  # laden fractions of the US submissions to the Panel (reference.md §2)
BARRELS_PER_TONNE = 7.46  # gas/diesel oil, BP (reference.md §2)
BOUND_WITHIN = timedelta(days=30)
DRAUGHT_WITHIN = timedelta(days=3)
BLOCK_COEFFICIENT = 0.7  # small product tanker (derived, naval architecture texts)
DEADWEIGHT_SHARE = 0.7  # cargo share of displacement for a small laden tanker (derived)
TYPICAL_DPRK_TANKER_T = 2_000.0  # "DPRK tankers ~2,000 dwt" (reference.md §2), when dimensions are unknown


@dataclass
class Delivery:
    kind: str  # "sts_receipt" or "port_call"
    when: str  # ISO-8601 UTC start of the event
    receiver: int
    receiver_name: str
    partner: int | None
    events: list[str]
    method: str  # "draught" or "capacity"
    tonnes: tuple[float, float, float]  # per scenario (all equal when measured from the draught)
    note: str = ""
    barrels: tuple[float, float, float] = field(init=False)

    def __post_init__(self) -> None:
        self.barrels = tuple(round(t * BARRELS_PER_TONNE) for t in self.tonnes)  # type: ignore[assignment]

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("kind", "when", "receiver", "receiver_name", "partner", "events",
                                              "method", "tonnes", "barrels", "note")}  # fmt: skip


@dataclass
class CapReport:
    year: int
    deliveries: list[Delivery]

    @property
    def totals_barrels(self) -> tuple[float, float, float]:
        return tuple(sum(d.barrels[i] for d in self.deliveries) for i in range(3))  # type: ignore[return-value]

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "cap_barrels": CAP_BARRELS,
            "scenarios": list(SCENARIOS),
            "totals_barrels": list(self.totals_barrels),
            "share_of_cap": [round(t / CAP_BARRELS, 4) for t in self.totals_barrels],
            "deliveries": [d.to_json() for d in self.deliveries],
        }


def capacity_t(vessel: Vessel) -> tuple[float, str]:
    """Cargo capacity from length x beam x draught (block coefficient, deadweight share), or the typical
    DPRK tanker when the dimensions are missing."""
    if vessel.length_m and vessel.beam_m and vessel.draught_m:
        volume = vessel.length_m * vessel.beam_m * vessel.draught_m
        return volume * BLOCK_COEFFICIENT * 1.025 * DEADWEIGHT_SHARE, "from length, beam and draught"
    return TYPICAL_DPRK_TANKER_T, "dimensions unknown: a typical 2,000 t DPRK tanker"


@dataclass(frozen=True)
class Estimate:
    method: str
    tonnes: tuple[float, float, float]
    how: str
    events: tuple[str, ...]


def _tonnes(view: StoreView, vessel: Vessel, event: Event) -> Estimate:
    for change in (e for e in view.events_of(vessel.mmsi) if e.event_type is EventType.DRAUGHT_CHANGE):
        details = change.details
        assert isinstance(details, DraughtChangeDetails)
        near = change.start_time - DRAUGHT_WITHIN <= event.end_time <= change.end_time + DRAUGHT_WITHIN
        if near and details.tonnes:
            t = float(details.tonnes)
            how = f"draught {details.draught_before_m} -> {details.draught_after_m} m"
            return Estimate("draught", (t, t, t), how, (change.event_id,))
    capacity, how = capacity_t(vessel)
    low, mid, high = (round(capacity * f) for f in SCENARIOS)
    return Estimate("capacity", (low, mid, high), f"{how}, capacity ~{capacity:,.0f} t", ())


def _bound(view: StoreView, mmsi: int, after: Event) -> Event | None:
    for e in view.events_of(mmsi):
        if dprk_visit(e) and after.end_time <= e.start_time <= after.end_time + BOUND_WITHIN:
            return e
    return None


def _receipts(view: StoreView, year: int) -> list[Delivery]:
    found = []
    for e in view.events:
        if not at_sea(e) or e.start_time.year != year or e.other_mmsi is None:
            continue
        for receiver, partner in ((e.mmsi, e.other_mmsi), (e.other_mmsi, e.mmsi)):
            vessel = view.vessel(receiver)
            visit = _bound(view, receiver, e)
            if vessel.tanker is False or not (vessel.dprk_flagged or visit):
                continue
            est = _tonnes(view, vessel, e)
            why = "DPRK-flagged" if vessel.dprk_flagged else "bound for DPRK"
            events = [e.event_id, *([visit.event_id] if visit else []), *est.events]
            note = f"{why}; {est.how}" + ("; ship type unknown" if vessel.tanker is None else "")
            when = e.start_time.isoformat()
            found.append(
                Delivery("sts_receipt", when, receiver, vessel.label, partner, events, est.method, est.tonnes, note)
            )
            break
    return found


def _port_calls(view: StoreView, year: int) -> list[Delivery]:
    found = []
    for e in view.events:
        call = dprk_port_call(e)
        if call is None or e.start_time.year != year:
            continue
        vessel = view.vessel(e.mmsi)
        if vessel.dprk_flagged or vessel.tanker is False:
            continue
        est = _tonnes(view, vessel, e)
        note = f"foreign tanker at {call.zone}; {est.how}"
        events, when = [e.event_id, *est.events], e.start_time.isoformat()
        found.append(Delivery("port_call", when, e.mmsi, vessel.label, None, events, est.method, est.tonnes, note))
    return found


def cap_report(view: StoreView, year: int) -> CapReport:
    deliveries = sorted(_receipts(view, year) + _port_calls(view, year), key=lambda d: (d.when, d.receiver))
    return CapReport(year, deliveries)
