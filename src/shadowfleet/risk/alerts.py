"""Alerts: vessels whose risk calls for a look, with the analyst's decisions kept in the store.

An alert's id is a hash of the scorer and the vessel, so a rerun updates it instead of adding one.
Its fingerprint is a hash of the evidence (event ids and list entries); when the evidence changes the
alert comes back as `changed`, even if it was dismissed. Every decision is appended to the store's
decision log (who, when, what, on which evidence) and never rewritten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from shadowfleet.core.schema import ALERTS
from shadowfleet.risk.features import SCORER_VERSION
from shadowfleet.store import layout
from shadowfleet.store.store import Store

STATUSES = ("reviewed", "dismissed", "escalated")
OPEN = ("new", "changed")
MIN_SCORE = 25.0  # medium and above


@dataclass(frozen=True)
class Decision:
    alert_id: str
    status: str
    note: str
    by: str
    at: datetime


def alert_id(mmsi: int) -> str:
    return hashlib.sha256(f"{SCORER_VERSION}|{mmsi}".encode()).hexdigest()[:16]


def fingerprint(row: dict[str, Any], matches: list[dict[str, Any]]) -> str:
    evidence = sorted(row["events"]) + sorted(f"{m['list_name']}:{m['entry_id']}" for m in matches)
    return hashlib.sha256("|".join(evidence).encode()).hexdigest()[:16]


def load(store: Store) -> list[dict[str, Any]]:
    table = store.read(layout.ALERTS)
    return [] if table is None else list(table.to_pylist())


def _save(store: Store, rows: list[dict[str, Any]]) -> None:
    rows = sorted(rows, key=lambda r: (-float(r["risk_score"]), r["alert_id"]))
    store.write(layout.ALERTS, pa.Table.from_pylist(rows, schema=ALERTS.schema))


def refresh(
    store: Store, risk: pa.Table, matches: dict[int, list[dict[str, Any]]], now: datetime
) -> list[dict[str, Any]]:
    """Raise, update or bring back alerts from a fresh risk table; returns every alert."""
    with store.lock():
        old = {r["alert_id"]: r for r in load(store)}
        current = dict(old)
        for row in risk.to_pylist():
            if row["risk_score"] < MIN_SCORE:
                continue
            ident, print_ = alert_id(row["mmsi"]), fingerprint(row, matches.get(row["mmsi"], []))
            before = old.get(ident)
            fresh = {k: row[k] for k in ("mmsi", "name", "risk_score", "band", "reasons")}
            if before is None:
                current[ident] = {**fresh, "alert_id": ident, "fingerprint": print_, "state": "new", "first_seen": now,
                                  "changed_at": now, "decided_by": None, "decided_at": None, "note": None}  # fmt: skip
            elif before["fingerprint"] != print_:
                current[ident] = {**before, **fresh, "fingerprint": print_, "state": "changed", "changed_at": now}
            else:
                current[ident] = {**before, **fresh}
        _save(store, list(current.values()))
    return sorted(current.values(), key=lambda r: (-float(r["risk_score"]), r["alert_id"]))


def decide(store: Store, decision: Decision) -> dict[str, Any]:
    """Record an analyst's decision on one alert; raises KeyError for an unknown id."""
    if decision.status not in STATUSES:
        raise ValueError(f"status {decision.status!r}: use {', '.join(STATUSES)}")
    with store.lock():
        rows = {r["alert_id"]: r for r in load(store)}
        if decision.alert_id not in rows:
            raise KeyError(decision.alert_id)
        row = rows[decision.alert_id]
        row.update(state=decision.status, decided_by=decision.by, decided_at=decision.at, note=decision.note)
        entry: dict[str, object] = {
            "alert_id": decision.alert_id,
            "mmsi": row["mmsi"],
            "status": decision.status,
            "note": decision.note,
            "by": decision.by,
            "at": decision.at.isoformat(),
            "fingerprint": row["fingerprint"],
        }
        store.append_decision(entry)
        _save(store, list(rows.values()))
    return row


def history(store: Store, ident: str | None = None) -> list[dict[str, object]]:
    return [e for e in store.decisions() if ident is None or e["alert_id"] == ident]


def utc_now() -> datetime:
    return datetime.now(UTC)
