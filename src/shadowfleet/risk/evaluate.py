"""The facts behind each risk feature, read off a vessel's events, list matches and network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from shadowfleet.core.events import (
    AisGapDetails,
    DraughtChangeDetails,
    EncounterDetails,
    EventType,
    IdentityCheck,
    InvalidIdentityDetails,
    JumpKind,
    LoiteringDetails,
    PositionJumpDetails,
    ZoneKind,
)
from shadowfleet.core.identifiers import is_dprk
from shadowfleet.risk.dprk import dprk_visit
from shadowfleet.risk.features import Finding, finding
from shadowfleet.risk.view import StoreView
from shadowfleet.store.events import Event

DAY = timedelta(days=1)


def _of(events: list[Event], kind: EventType) -> list[Event]:
    return [e for e in events if e.event_type is kind]


def _ids(events: list[Event]) -> list[str]:
    return [e.event_id for e in events]


def _partner(e: Event, mmsi: int) -> int:
    partner = e.partner_of(mmsi)
    assert partner is not None, "an encounter has two vessels"
    return partner


def at_sea(e: Event) -> bool:
    """An encounter away from ports and anchorages: a possible STS transfer, not context."""
    return isinstance(e.details, EncounterDetails) and not e.details.in_port


def _local_night(e: Event) -> bool:
    """Local solar time at the event's middle, from its longitude: 18:00-06:00 is night."""
    middle = e.start_time + (e.end_time - e.start_time) / 2
    hour = (middle.hour + middle.minute / 60 + (e.lon or 0.0) / 15) % 24
    return bool(hour >= 18 or hour < 6)


def _near(a: Event, b: Event, slack: timedelta = DAY) -> bool:
    return bool(a.start_time - slack <= b.end_time and b.start_time - slack <= a.end_time)


def _in_hotspot(e: Event) -> bool:
    return isinstance(e.details, EncounterDetails | LoiteringDetails) and bool(e.details.hotspot)


def sts(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    at_sea_ = [e for e in _of(mine, EventType.ENCOUNTER) if at_sea(e)]
    if not at_sea_:
        return []
    hours = max(e.duration_h for e in at_sea_)
    found = [
        finding("sts_encounter", 1.0, f"{len(at_sea_)} STS encounter(s) at sea, longest {hours:.1f} h", _ids(at_sea_))
    ]
    partners = {e.event_id: _partner(e, mmsi) for e in at_sea_}
    checks: list[tuple[str, Callable[[Event], bool], str]] = [
        ("sts_at_night", _local_night, "at local night"),
        ("sts_in_hotspot", _in_hotspot, "in an STS hot spot"),
        ("sts_with_dprk_flag", lambda e: is_dprk(partners[e.event_id]), "with a DPRK-flag ship"),
        ("sts_with_listed", lambda e: partners[e.event_id] in view.listed, "with a listed vessel"),
        (
            "sts_partner_dark",
            lambda e: any(_near(e, g) for g in _of(view.events_of(partners[e.event_id]), EventType.AIS_GAP)),
            "with a partner that went dark within a day of it",
        ),
    ]  # fmt: skip
    for feature, holds, words in checks:
        hits = [e for e in at_sea_ if holds(e)]
        if hits:
            who = ", ".join(sorted({view.vessel(partners[e.event_id]).label for e in hits}))
            found.append(finding(feature, 1.0, f"{len(hits)} STS {words}: {who}", _ids(hits)))
    return found


def _offshore(gap: Event) -> bool:
    return isinstance(gap.details, AisGapDetails) and gap.details.shore_distance_start_nm >= 50


def dark(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    gaps = _of(mine, EventType.AIS_GAP)
    if not gaps:
        return []
    longest = max(gaps, key=lambda g: g.duration_h)
    found = [
        finding(
            "dark_gap",
            longest.duration_h / 24,
            f"{len(gaps)} AIS gap(s), longest {longest.duration_h:.1f} h",
            _ids(gaps),
        )
    ]
    offshore = [g for g in gaps if _offshore(g)]
    if offshore:
        found.append(
            finding("dark_offshore", 1.0, f"{len(offshore)} gap(s) starting >= 50 nm from shore", _ids(offshore))
        )
    context = _of(mine, EventType.ENCOUNTER) + _of(mine, EventType.ZONE_VISIT)
    bracketing = [g for g in gaps if any(_near(g, c) for c in context)]
    if bracketing:
        linked = [c for c in context if any(_near(g, c) for g in bracketing)]
        reason = f"{len(bracketing)} gap(s) within a day of an STS or a DPRK visit"
        found.append(finding("dark_near_sts_or_dprk", 1.0, reason, _ids(bracketing + linked)))
    return found  # fmt: skip


def dprk(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    found = []
    visits = [(e, d) for e in _of(mine, EventType.ZONE_VISIT) if (d := dprk_visit(e)) is not None]
    foreign = [(e, d) for e, d in visits if not d.dprk_flag]
    if foreign:
        ports = [e for e, d in foreign if d.kind is ZoneKind.PORT]
        where = ", ".join(sorted({d.zone for _, d in foreign}))
        events = [e for e, _ in foreign]
        found.append(finding("dprk_visit", 1.0 if ports else 0.7, f"{len(foreign)} visit(s): {where}", _ids(events)))
    if is_dprk(mmsi):
        reason = f"MMSI {mmsi} carries the DPRK MID 445"
        found.append(finding("dprk_flagged", 1.0, reason, _ids([e for e, _ in visits])))
    return found


def _identity_change(e: Event) -> bool:
    return isinstance(e.details, InvalidIdentityDetails) and e.details.check is IdentityCheck.IDENTITY_CHANGE


def identity(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    found = []
    clashes = [e for e in _of(mine, EventType.IDENTITY_CLASH) if e.mmsi == mmsi]
    if clashes:
        found.append(
            finding(
                EventType.IDENTITY_CLASH, 1.0, f"{len(clashes)} period(s) transmitting from two places", _ids(clashes)
            )
        )
    invalid = [e for e in _of(mine, EventType.INVALID_IDENTITY) if e.mmsi == mmsi]
    changes = [e for e in invalid if _identity_change(e)]
    bad = [e for e in invalid if e not in changes]
    if bad:
        found.append(
            finding(EventType.INVALID_IDENTITY, 1.0, "; ".join(sorted({e.reason for e in bad}))[:300], _ids(bad))
        )
    if changes:
        found.append(finding("identity_change", 1.0, "; ".join(e.reason for e in changes)[:300], _ids(changes)))
    vessel = view.vessel(mmsi)
    if vessel.imo:
        mids = view.mids_by_imo.get(vessel.imo, set())
        if len(mids) > 1:
            flags = ", ".join(sorted(str(view.flags.get(m) or m).upper() for m in mids))
            found.append(
                finding(
                    "flag_hopping",
                    (len(mids) - 1) / 2,
                    f"IMO {vessel.imo} seen under MMSIs of {len(mids)} flags: {flags}",
                )
            )
    return found  # fmt: skip


def listed(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    found = []
    matches = view.matches.get(mmsi, [])
    strong = [m for m in matches if m.listed]
    if strong:
        best = strong[0]
        reason = f"{best.list_name} {best.entry_id} {best.entry_name} (match {best.score:.2f})"
        found.append(finding("list_match", best.score, reason))
    doctored = [m for m in matches if "possible_imo_manipulation" in m.flags]
    if doctored:
        m = doctored[0]
        found.append(finding("imo_manipulation", 1.0, f"IMO {m.imo} is one digit from {m.entry_name}'s listed IMO"))
    sts_at_sea = {e.event_id for e in _of(mine, EventType.ENCOUNTER) if at_sea(e)}
    if not strong:
        for hops, feature in ((1, "met_listed_1hop"), (2, "met_listed_2hop")):
            links = [r for r in view.reached.get(mmsi, []) if r.hops == hops]
            if hops == 1:  # a direct STS at sea with a listed ship already counts as sts_with_listed
                links = [r for r in links if r.path[-1].event_id not in sts_at_sea]
            if links:
                chains = "; ".join(f"{' -> '.join(map(str, (*r.via, r.mmsi)))} ({r.listed_as})" for r in links)
                found.append(finding(feature, 1.0, chains, [k.event_id for r in links for k in r.path]))
                break
    return found  # fmt: skip


def _excursion(e: Event) -> bool:
    return isinstance(e.details, PositionJumpDetails) and e.details.kind is JumpKind.EXCURSION


def _tonnes(e: Event) -> int:
    return (e.details.tonnes or 0) if isinstance(e.details, DraughtChangeDetails) else 0


def behaviour(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    found = []
    spoofs = [e for e in _of(mine, EventType.POSITION_JUMP) if _excursion(e)]
    if spoofs:
        found.append(
            finding("spoofing", 1.0, f"{len(spoofs)} excursion(s) away and back at impossible speed", _ids(spoofs))
        )
    loiters = _of(mine, EventType.LOITERING)
    if loiters:
        spot = [e for e in loiters if _in_hotspot(e)]
        found.append(
            finding(
                EventType.LOITERING,
                1.0 if spot else 0.6,
                f"{len(loiters)} loitering spell(s){', in a hot spot' if spot else ''}",
                _ids(loiters),
            )
        )
    encounters = _of(mine, EventType.ENCOUNTER)
    after = [d for d in _of(mine, EventType.DRAUGHT_CHANGE) if any(_near(e, d, timedelta(days=3)) for e in encounters)]
    if after:
        tonnes = sum(_tonnes(d) for d in after)
        found.append(finding("draught_after_sts", 1.0, f"draught changed near an STS (~{tonnes:,} t)", _ids(after)))
    return found  # fmt: skip


EVALUATORS = (listed, sts, dark, dprk, identity, behaviour)
