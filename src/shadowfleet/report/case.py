"""Everything a case file shows about one vessel, gathered from the store and traced to the sources."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from shadowfleet.core.identifiers import is_dprk
from shadowfleet.core.schema import POSITIONS, STATIC
from shadowfleet.risk.features import FEATURES
from shadowfleet.risk.scorer import score_vessel
from shadowfleet.risk.view import StoreView
from shadowfleet.screening.lists import Lists, Version

MAX_TRACK_POINTS = 3000
REFS_SHOWN = 12
US_PORT_RULE = timedelta(days=180)  # red flag 11: DPRK call or STS with a DPRK ship in the last 180 days


@dataclass(frozen=True)
class Flag:
    number: int
    title: str
    state: str  # "yes", "no" or "not assessed"
    why: str


@dataclass
class CaseFile:
    mmsi: int
    title: str
    generated: str
    score: float
    findings: list[dict[str, Any]]
    identities: list[dict[str, Any]]
    matches: list[dict[str, Any]]
    events: list[dict[str, Any]]
    track: list[tuple[float, float]]
    flags: list[Flag]
    list_versions: list[str]
    sources: dict[str, str] = field(default_factory=dict)  # path -> sha256


def resolve(view: StoreView, ref: int) -> int:
    """An IMO (7 digits) or MMSI (9 digits) to the MMSI the store knows; raises KeyError."""
    if ref in view.vessels or any(ref in (e["mmsi"], e["other_mmsi"]) for e in view.events):
        return ref
    hits = sorted(m for m, v in view.vessels.items() if ref == v.imo or ref in v.imos)
    if not hits:
        raise KeyError(f"no vessel with MMSI or IMO {ref} in {view.store.root}")
    return hits[0]


def identity_history(view: StoreView, mmsi: int) -> list[dict[str, Any]]:
    """Each identity the vessel declared (name, IMO, call sign, type) with its first and last report."""
    if not view.store.files(STATIC):
        return []
    rows = (
        duckdb.connect()
        .execute(
            f"""SELECT name, imo, callsign, ship_type, min(ts), max(ts), count(*), any_value(source)
            FROM read_parquet('{view.store.glob(STATIC)}') WHERE mmsi = ? GROUP BY ALL ORDER BY min(ts)""",
            [mmsi],
        )
        .fetchall()
    )
    flag = (view.flag(mmsi) or "?").upper()
    keys = ("name", "imo", "callsign", "ship_type", "first", "last", "reports", "source")
    return [{**dict(zip(keys, r, strict=True)), "flag": flag, "mmsi": mmsi} for r in rows]


def _track(view: StoreView, mmsi: int) -> list[tuple[float, float]]:
    rows = (
        duckdb.connect()
        .execute(
            f"""SELECT lon, lat FROM read_parquet('{view.store.glob(POSITIONS)}')
            WHERE mmsi = ? AND lat IS NOT NULL ORDER BY ts""",
            [mmsi],
        )
        .fetchall()
    )
    step = max(1, len(rows) // MAX_TRACK_POINTS)
    return [(float(lon), float(lat)) for lon, lat in rows[::step]]


def _supporting(view: StoreView, events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The first positions behind each event, read back from the store by (source, line) in one scan."""
    refs = [
        (e["event_id"], e["evidence"]["sources"][r["source"]], r["line"])
        for e in events
        for r in e["evidence"]["refs"][:REFS_SHOWN]
    ]
    found: dict[str, list[dict[str, Any]]] = {e["event_id"]: [] for e in events}
    if not refs:
        return found
    wanted = ", ".join("(?, ?, ?)" for _ in refs)
    rows = (
        duckdb.connect()
        .execute(
            f"""SELECT r.event_id, p.ts, p.mmsi, p.lat, p.lon, p.sog_kn, p.source, p.line
            FROM read_parquet('{view.store.glob(POSITIONS)}') p JOIN (VALUES {wanted}) r(event_id, source, line)
            ON p.source = r.source AND p.line = r.line ORDER BY p.ts""",
            [v for ref in refs for v in ref],
        )
        .fetchall()
    )
    keys = ("ts", "mmsi", "lat", "lon", "sog_kn", "source", "line")
    for event_id, *values in rows:
        found[event_id].append(dict(zip(keys, values, strict=True)))
    return found


def _port_rule_events(view: StoreView, mmsi: int) -> list[dict[str, Any]]:
    """DPRK port calls, and STS with DPRK-flagged or listed ships, in the 180 days before the data ends."""
    end = max((e["end_time"] for e in view.events), default=None)
    dprk_or_listed = {m for m in view.vessels if is_dprk(m)} | view.listed
    found = []
    for e in view.events_of(mmsi):
        if end is None or e["end_time"] < end - US_PORT_RULE:
            continue
        port = e["event_type"] == "zone_visit" and e["details"].get("kind") == "port"
        dprk_port = port and str(e["details"].get("zone")).startswith("DPRK")
        partner = e["event_type"] == "encounter" and ({e["mmsi"], e["other_mmsi"]} - {mmsi}) & dprk_or_listed
        if dprk_port or partner:
            found.append(e)
    return found


def _flags(
    view: StoreView, mmsi: int, findings: dict[str, dict[str, Any]], matches: list[dict[str, Any]]
) -> list[Flag]:
    def has(*names: str) -> str:
        return "; ".join(findings[n]["reason"] for n in names if n in findings)

    vessel = view.vessel(mmsi)
    recent = _port_rule_events(view, mmsi)
    linked = sorted({o for m in matches for o in m["linked_to"]})
    kind = vessel.ship_type
    cargo = "tanker" if kind and 80 <= kind <= 89 else "cargo ship" if kind and 70 <= kind <= 79 else None
    rows = [
        (1, "Disabling AIS", has("dark_gap", "dark_offshore", "dark_near_sts_or_dprk")),
        (2, "Manipulating AIS", has("identity_clash", "spoofing", "imo_manipulation", "invalid_identity")),
        (3, "Physically altering identity", has("identity_change")),
        (4, "Falsifying cargo and vessel documents", None),
        (5, "Ship-to-ship transfers", has("sts_encounter", "sts_with_dprk_flag", "sts_with_listed", "sts_at_night")),
        (6, "Voyage irregularities", has("loitering", "dark_near_sts_or_dprk")),
        (7, "False flags and flag hopping", has("flag_hopping") or "; ".join(
            p["detail"] for m in matches for p in json.loads(m["explanation"]) if p["feature"] == "flag_mismatch")),
        (8, "Complex ownership or management", f"owners on the list entry: {', '.join(linked)}" if linked else None),
        (9, "High-risk cargo (oil, coal)", f"declared ship type {kind} ({cargo})" if cargo else ""),
        (10, "Listed vessel", has("list_match", "imo_manipulation")),
        (11, "US port rule: DPRK call or STS with a DPRK vessel in the last 180 days",
         f"{len(recent)} event(s): " + ", ".join(e["event_id"] for e in recent) if recent else ""),
    ]  # fmt: skip
    return [
        Flag(n, title, "not assessed" if why is None else "yes" if why else "no",
             why if why is not None else "shadowfleet has no data for this (documents, ownership registries)")
        for n, title, why in rows
    ]  # fmt: skip


def _matches(view: StoreView, mmsi: int, lists: Lists, versions: list[Version]) -> list[dict[str, Any]]:
    """The vessel's list matches (copies), each with its explanation parts and the parties its entry names."""
    matches = [dict(m) for m in view.matches.get(mmsi, [])]
    linked: dict[tuple[str, str], list[str]] = {}
    if matches and versions:
        table = lists.entries(versions)
        wanted = pc.is_in(table.column("entry_id"), pa.array(sorted({str(m["entry_id"]) for m in matches})))
        linked = {(e["list_name"], e["entry_id"]): e["linked_to"] for e in table.filter(wanted).to_pylist()}
    for m in matches:
        m["linked_to"] = linked.get((m["list_name"], m["entry_id"]), [])
        m["parts"] = json.loads(m["explanation"])
    return matches


def gather(view: StoreView, ref: int, generated: datetime) -> CaseFile:
    mmsi = resolve(view, ref)
    score, findings = score_vessel(mmsi, view)
    # copies: the view may be shared (the API's snapshot), and numbering is this case file's own
    events = [dict(e) for e in sorted(view.events_of(mmsi), key=lambda e: e["start_time"])]
    supporting = _supporting(view, events)
    for number, e in enumerate(events, 1):
        e["number"] = number
        e["supporting"] = supporting[e["event_id"]]
    manifest = view.store.manifest()
    sources = {p: sha for sha, s in manifest.sources.items() for p in s.paths}
    lists = Lists(view.store)
    versions = lists.current()
    matches = _matches(view, mmsi, lists, versions)
    by_feature = {f.feature: f.to_json() for f in findings}
    vessel = view.vessel(mmsi)
    return CaseFile(
        mmsi=mmsi,
        title=vessel.label,
        generated=generated.isoformat(timespec="seconds"),
        score=score,
        findings=[
            {**f.to_json(), "meaning": FEATURES[f.feature].meaning if f.feature in FEATURES else ""} for f in findings
        ],
        identities=identity_history(view, mmsi),
        matches=matches,
        events=events,
        track=_track(view, mmsi),
        flags=_flags(view, mmsi, by_feature, matches),
        list_versions=[f"{v.list_name} {v.version} (list date {v.published or v.imported_at[:10]})" for v in versions],
        sources=sources,
    )
