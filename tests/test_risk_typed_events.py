"""Risk and the cap tracker read typed event details, on small views built in the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from shadowfleet.core.events import (
    AnyDetails,
    DraughtChangeDetails,
    EncounterDetails,
    ZoneKind,
    ZoneVisitDetails,
)
from shadowfleet.risk.cap import cap_report
from shadowfleet.risk.evaluate import dprk, sts
from shadowfleet.risk.view import StoreView, Vessel
from shadowfleet.store.events import Event, Evidence
from shadowfleet.store.store import Store

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)
TANKER, PARTNER = 352000001, 445000009


def _event(ident: str, details: AnyDetails, mmsi: int = TANKER, other: int | None = None, hours: float = 0) -> Event:
    start = T0 + timedelta(hours=hours)
    return Event(
        ident, details.event_type, mmsi, other, start, start + timedelta(hours=4), 39.0, 124.0, 4.0, None, 0.9,
        "test", details, Evidence(1, ("x.csv",), ()), "test-1", (),
    )  # fmt: skip


def _view(tmp_path: Path, events: list[Event]) -> StoreView:
    vessels = {TANKER: Vessel(TANKER, "TANKER", ship_type=80), PARTNER: Vessel(PARTNER, "PARTNER", ship_type=80)}
    return StoreView(Store(tmp_path), events, vessels, {}, {}, {})


def test_a_visit_to_a_users_own_zone_is_not_a_dprk_visit(tmp_path: Path) -> None:
    """Bug: every zone_visit counted as a DPRK visit (its `kind` is always port or waters), so a zone given
    with `detect --zones` (a Russian oil terminal, say) scored 25 points as "in DPRK waters"."""
    watched = _event("a", ZoneVisitDetails(zone="Vostochny terminal", kind=ZoneKind.WATERS, fixes=9))
    assert dprk(TANKER, [watched], _view(tmp_path, [watched])) == []
    nampo = _event("b", ZoneVisitDetails(zone="DPRK port Nampo", kind=ZoneKind.PORT, fixes=9))
    (found,) = dprk(TANKER, [nampo], _view(tmp_path, [nampo]))
    assert found.feature == "dprk_visit" and found.value == 1.0 and found.events == ("b",)


def test_an_encounter_in_port_is_context_not_sts(tmp_path: Path) -> None:
    in_port = _event("p", EncounterDetails(in_port=True, anchorage="Qingdao"), other=PARTNER)
    at_sea = _event("s", EncounterDetails(in_port=False, hotspot="korea_bay"), other=PARTNER, hours=48)
    assert sts(TANKER, [in_port], _view(tmp_path, [in_port])) == []
    features = {f.feature: f for f in sts(TANKER, [at_sea], _view(tmp_path, [at_sea]))}
    assert {"sts_encounter", "sts_in_hotspot", "sts_with_dprk_flag"} <= set(features)
    assert features["sts_encounter"].events == ("s",)


def test_cap_takes_tonnes_from_the_typed_draught_change(tmp_path: Path) -> None:
    receipt = _event("e", EncounterDetails(in_port=False), mmsi=PARTNER, other=TANKER)
    change = _event(
        "d",
        DraughtChangeDetails(draught_before_m=4.0, draught_after_m=5.5, tonnes=1800),
        mmsi=PARTNER,
        hours=6,
    )
    (delivery,) = cap_report(_view(tmp_path, [receipt, change]), 2024).deliveries
    assert delivery.receiver == PARTNER and delivery.method == "draught" and delivery.tonnes == (1800, 1800, 1800)
    assert delivery.events == ["e", "d"] and "4.0 -> 5.5 m" in delivery.note
