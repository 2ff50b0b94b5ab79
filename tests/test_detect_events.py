"""The event contract: every type has a label, a colour and a typed details record that survives JSON."""

from __future__ import annotations

import json

import pytest

from shadowfleet.core.events import (
    DETAILS,
    SCHEMA_VERSION,
    EncounterDetails,
    EventType,
    IdentityClashDetails,
    JumpKind,
    PositionJumpDetails,
    TrackExtent,
    ZoneKind,
    ZoneVisitDetails,
    details_of,
)


def test_every_type_has_a_label_a_colour_and_a_record() -> None:
    assert set(DETAILS) == set(EventType)
    assert len({t.colour for t in EventType}) == len(EventType)
    for t in EventType:
        assert t.label and t.colour.startswith("#")
        assert DETAILS[t].event_type is t


@pytest.mark.parametrize("event_type", list(EventType))
def test_defaults_round_trip(event_type: EventType) -> None:
    record = DETAILS[event_type]()
    text = record.to_json()
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION
    assert details_of(event_type.value, text) == record


def test_nested_and_enum_fields_round_trip() -> None:
    extent = TrackExtent(start_us=1, end_us=2, lat_min=30.0, lat_max=31.0, lon_min=120.0, lon_max=121.5, fixes=7)
    clash = IdentityClashDetails(tracks=2, fixes=(7, 5), overlap_h=1.5, extents=(extent, extent))
    assert details_of(EventType.IDENTITY_CLASH, clash.to_json()) == clash
    meeting = EncounterDetails(in_port=True, anchorage="Nampo outer", median_speed_kn=(0.5, 1.0), evidence=("a", "b"))
    back = details_of("encounter", meeting.to_json())
    assert back == meeting and isinstance(back, EncounterDetails) and back.median_speed_kn == (0.5, 1.0)


def test_details_written_before_the_records_still_read() -> None:
    """Events stored by the old code: no schema_version, plain lists, enum values as strings."""
    old = '{"kind": "excursion", "off_track_fixes": 3, "on_land": 0, "implied_speed_kn": 310.5}'
    jump = details_of("position_jump", old)
    assert jump == PositionJumpDetails(kind=JumpKind.EXCURSION, off_track_fixes=3, implied_speed_kn=310.5)
    visit = details_of("zone_visit", '{"zone": "DPRK port Nampo", "kind": "port", "fixes": 4, "dprk_flag": false}')
    assert isinstance(visit, ZoneVisitDetails) and visit.kind is ZoneKind.PORT


def test_a_newer_schema_or_a_non_object_is_refused() -> None:
    with pytest.raises(ValueError, match="newer"):
        details_of("loitering", json.dumps({"schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(ValueError, match="not a JSON object"):
        details_of("loitering", "[1, 2]")
    with pytest.raises(ValueError):
        details_of("no_such_type", "{}")
