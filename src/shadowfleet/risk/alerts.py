"""Alerts: vessels whose risk calls for a look, with the analyst's decisions kept in the store.

An alert's id is a hash of the scorer and the vessel, so a rerun updates it instead of adding one.
Its fingerprint is a hash of the evidence (event ids and list entries); when the evidence changes the
alert comes back as `changed`, even if it was dismissed. Every decision is appended to the store's
decision log (who, when, what, on which evidence) and never rewritten.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, replace
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


@dataclass(frozen=True)
class Alert:
    """One row of the store's alerts table (`core.schema.ALERTS`), as the CLI, the API and the pipeline pass it."""

    alert_id: str
    mmsi: int
    name: str | None
    risk_score: float  # 0-100
    band: str
    reasons: tuple[str, ...]
    fingerprint: str
    state: str  # new, changed, reviewed, dismissed or escalated
    first_seen: datetime
    changed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Alert:
        """A row read back from the table (`to_pylist`)."""
        return cls(**{**row, "reasons": tuple(row["reasons"])})

    def row(self) -> dict[str, object]:
        """The table's row (and the JSON of `alerts --json` and the API)."""
        return {**asdict(self), "reasons": list(self.reasons)}

    @property
    def open(self) -> bool:
        return self.state in OPEN


def fingerprint(events: list[str], matches: list[dict[str, Any]]) -> str:
    evidence = sorted(events) + sorted(f"{m['list_name']}:{m['entry_id']}" for m in matches)
    return hashlib.sha256("|".join(evidence).encode()).hexdigest()[:16]


def load(store: Store) -> list[Alert]:
    table = store.read(layout.ALERTS)
    return [] if table is None else [Alert.of(r) for r in table.to_pylist()]


def _ranked(alerts: list[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: (-a.risk_score, a.alert_id))


def _save(store: Store, alerts: list[Alert]) -> None:
    rows = [a.row() for a in _ranked(alerts)]
    store.write(layout.ALERTS, pa.Table.from_pylist(rows, schema=ALERTS.schema))


def refresh(store: Store, risk: pa.Table, matches: dict[int, list[dict[str, Any]]], now: datetime) -> list[Alert]:
    """Raise, update or bring back alerts from a fresh risk table; returns every alert."""
    with store.lock():
        old = {a.alert_id: a for a in load(store)}
        current = dict(old)
        for row in risk.to_pylist():
            if row["risk_score"] < MIN_SCORE:
                continue
            mmsi = int(row["mmsi"])
            ident, print_ = alert_id(mmsi), fingerprint(row["events"], matches.get(mmsi, []))
            before = old.get(ident)
            fresh = {"name": row["name"], "risk_score": float(row["risk_score"]), "band": row["band"],
                     "reasons": tuple(row["reasons"])}  # fmt: skip
            if before is None:
                current[ident] = Alert(ident, mmsi, fingerprint=print_, state="new", first_seen=now, changed_at=now,
                                       **fresh)  # fmt: skip
            elif before.fingerprint != print_:
                current[ident] = replace(before, **fresh, fingerprint=print_, state="changed", changed_at=now)
            else:
                current[ident] = replace(before, **fresh)
        _save(store, list(current.values()))
    return _ranked(list(current.values()))


def decide(store: Store, decision: Decision) -> Alert:
    """Record an analyst's decision on one alert; raises KeyError for an unknown id."""
    if decision.status not in STATUSES:
        raise ValueError(f"status {decision.status!r}: use {', '.join(STATUSES)}")
    with store.lock():
        alerts = {a.alert_id: a for a in load(store)}
        if decision.alert_id not in alerts:
            raise KeyError(decision.alert_id)
        alert = replace(
            alerts[decision.alert_id],
            state=decision.status,
            decided_by=decision.by,
            decided_at=decision.at,
            note=decision.note,
        )
        alerts[alert.alert_id] = alert
        entry: dict[str, object] = {
            "alert_id": decision.alert_id,
            "mmsi": alert.mmsi,
            "status": decision.status,
            "note": decision.note,
            "by": decision.by,
            "at": decision.at.isoformat(),
            "fingerprint": alert.fingerprint,
        }
        store.append_decision(entry)
        _save(store, list(alerts.values()))
    return alert


def history(store: Store, ident: str | None = None) -> list[dict[str, object]]:
    return [e for e in store.decisions() if ident is None or e["alert_id"] == ident]


def utc_now() -> datetime:
    return datetime.now(UTC)
