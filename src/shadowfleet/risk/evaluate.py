"""The facts behind each risk feature, read off a vessel's events, list matches and network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from shadowfleet.core.identifiers import is_dprk
from shadowfleet.risk.features import Finding, finding
from shadowfleet.risk.view import StoreView
from shadowfleet.screening.network import is_listed

Event = dict[str, Any]
DAY = timedelta(days=1)


def _of(events: list[Event], kind: str) -> list[Event]:
    return [e for e in events if e["event_type"] == kind]


def _ids(events: list[Event]) -> list[str]:
    return [e["event_id"] for e in events]


def _partner(e: Event, mmsi: int) -> int:
    return int(e["other_mmsi"] if e["mmsi"] == mmsi else e["mmsi"])


def _local_night(e: Event) -> bool:
    """Local solar time at the event's middle, from its longitude: 18:00-06:00 is night."""
    middle = e["start_time"] + (e["end_time"] - e["start_time"]) / 2
    hour = (middle.hour + middle.minute / 60 + (e["lon"] or 0.0) / 15) % 24
    return bool(hour >= 18 or hour < 6)


def _near(a: Event, b: Event, slack: timedelta = DAY) -> bool:
    return bool(a["start_time"] - slack <= b["end_time"] and b["start_time"] - slack <= a["end_time"])


def sts(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    at_sea = [e for e in _of(mine, "encounter") if not e["details"].get("in_port")]
    if not at_sea:
        return []
    hours = max(e["duration_h"] for e in at_sea)
    found = [
        finding("sts_encounter", 1.0, f"{len(at_sea)} STS encounter(s) at sea, longest {hours:.1f} h", _ids(at_sea))
    ]
    partners = {e["event_id"]: _partner(e, mmsi) for e in at_sea}
    checks: list[tuple[str, Callable[[Event], bool], str]] = [
        ("sts_at_night", _local_night, "at local night"),
        ("sts_in_hotspot", lambda e: bool(e["details"].get("hotspot")), "in an STS hot spot"),
        ("sts_with_dprk_flag", lambda e: is_dprk(partners[e["event_id"]]), "with a DPRK-flag ship"),
        ("sts_with_listed", lambda e: partners[e["event_id"]] in view.listed, "with a listed vessel"),
        (
            "sts_partner_dark",
            lambda e: any(_near(e, g) for g in _of(view.events_of(partners[e["event_id"]]), "ais_gap")),
            "with a partner that went dark within a day of it",
        ),
    ]  # fmt: skip
    for feature, holds, words in checks:
        hits = [e for e in at_sea if holds(e)]
        if hits:
            who = ", ".join(sorted({view.vessel(partners[e["event_id"]]).label for e in hits}))
            found.append(finding(feature, 1.0, f"{len(hits)} STS {words}: {who}", _ids(hits)))
    return found


def dark(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    gaps = _of(mine, "ais_gap")
    if not gaps:
        return []
    longest = max(gaps, key=lambda g: g["duration_h"])
    found = [
        finding(
            "dark_gap",
            longest["duration_h"] / 24,
            f"{len(gaps)} AIS gap(s), longest {longest['duration_h']:.1f} h",
            _ids(gaps),
        )
    ]
    offshore = [g for g in gaps if (g["details"].get("shore_distance_start_nm") or 0) >= 50]
    if offshore:
        found.append(
            finding("dark_offshore", 1.0, f"{len(offshore)} gap(s) starting >= 50 nm from shore", _ids(offshore))
        )
    context = _of(mine, "encounter") + _of(mine, "zone_visit")
    bracketing = [g for g in gaps if any(_near(g, c) for c in context)]
    if bracketing:
        linked = [c for c in context if any(_near(g, c) for g in bracketing)]
        reason = f"{len(bracketing)} gap(s) within a day of an STS or a DPRK visit"
        found.append(finding("dark_near_sts_or_dprk", 1.0, reason, _ids(bracketing + linked)))
    return found  # fmt: skip


def dprk(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    found = []
    visits = [
        e
        for e in _of(mine, "zone_visit")
        if e["details"].get("zone", "").startswith(("DPRK", "Nampo")) or e["details"].get("kind") in ("port", "waters")
    ]
    foreign = [e for e in visits if not e["details"].get("dprk_flag")]
    if foreign:
        ports = [e for e in foreign if e["details"].get("kind") == "port"]
        where = ", ".join(sorted({str(e["details"].get("zone")) for e in foreign}))
        found.append(finding("dprk_visit", 1.0 if ports else 0.7, f"{len(foreign)} visit(s): {where}", _ids(foreign)))
    if is_dprk(mmsi):
        found.append(finding("dprk_flagged", 1.0, f"MMSI {mmsi} carries the DPRK MID 445", _ids(visits)))
    return found  # fmt: skip


def identity(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    found = []
    clashes = [e for e in _of(mine, "identity_clash") if e["mmsi"] == mmsi]
    if clashes:
        found.append(
            finding("identity_clash", 1.0, f"{len(clashes)} period(s) transmitting from two places", _ids(clashes))
        )
    invalid = [e for e in _of(mine, "invalid_identity") if e["mmsi"] == mmsi]
    changes = [e for e in invalid if e["details"].get("check") == "identity_change"]
    bad = [e for e in invalid if e not in changes]
    if bad:
        found.append(finding("invalid_identity", 1.0, "; ".join(sorted({e["reason"] for e in bad}))[:300], _ids(bad)))
    if changes:
        found.append(finding("identity_change", 1.0, "; ".join(e["reason"] for e in changes)[:300], _ids(changes)))
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
    strong = [m for m in matches if is_listed(m)]
    if strong:
        best = strong[0]
        reason = f"{best['list_name']} {best['entry_id']} {best['entry_name']} (match {best['score']:.2f})"
        found.append(finding("list_match", float(best["score"]), reason))
    doctored = [m for m in matches if "possible_imo_manipulation" in m["flags"]]
    if doctored:
        m = doctored[0]
        found.append(
            finding("imo_manipulation", 1.0, f"IMO {m['imo']} is one digit from {m['entry_name']}'s listed IMO")
        )
    at_sea = {e["event_id"] for e in _of(mine, "encounter") if not e["details"].get("in_port")}
    if not strong:
        for hops, feature in ((1, "met_listed_1hop"), (2, "met_listed_2hop")):
            links = [r for r in view.reached.get(mmsi, []) if r.hops == hops]
            if hops == 1:  # a direct STS at sea with a listed ship already counts as sts_with_listed
                links = [r for r in links if r.path[-1].event_id not in at_sea]
            if links:
                chains = "; ".join(f"{' -> '.join(map(str, (*r.via, r.mmsi)))} ({r.listed_as})" for r in links)
                found.append(finding(feature, 1.0, chains, [k.event_id for r in links for k in r.path]))
                break
    return found  # fmt: skip


def behaviour(mmsi: int, mine: list[Event], view: StoreView) -> list[Finding]:
    found = []
    spoofs = [e for e in _of(mine, "position_jump") if e["details"].get("kind") == "excursion"]
    if spoofs:
        found.append(
            finding("spoofing", 1.0, f"{len(spoofs)} excursion(s) away and back at impossible speed", _ids(spoofs))
        )
    loiters = _of(mine, "loitering")
    if loiters:
        spot = [e for e in loiters if e["details"].get("hotspot")]
        found.append(
            finding(
                "loitering",
                1.0 if spot else 0.6,
                f"{len(loiters)} loitering spell(s){', in a hot spot' if spot else ''}",
                _ids(loiters),
            )
        )
    encounters = _of(mine, "encounter")
    after = [d for d in _of(mine, "draught_change") if any(_near(e, d, timedelta(days=3)) for e in encounters)]
    if after:
        tonnes = sum(d["details"].get("tonnes") or 0 for d in after)
        found.append(finding("draught_after_sts", 1.0, f"draught changed near an STS (~{tonnes:,} t)", _ids(after)))
    return found  # fmt: skip


EVALUATORS = (listed, sts, dark, dprk, identity, behaviour)
