"""The store's derived tables: written whole through the store, upserted by event id, readable across a rename."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shadowfleet.core.schema import ALERTS, EVENTS, SchemaError
from shadowfleet.risk import alerts as alert_store
from shadowfleet.store import layout
from shadowfleet.store.store import Store

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _events(*ids: str, reason: str = "first run") -> pa.Table:
    rows: list[dict[str, object]] = [
        {"event_id": i, "event_type": "ais_gap", "mmsi": 352000001, "other_mmsi": None, "start_time": T0,
         "end_time": T0, "lat": 39.0, "lon": 124.0, "duration_h": 0.0, "distance_m": None, "score": 0.5,
         "reason": reason, "details": "{}", "evidence": {"positions": 1, "sources": ["a.csv"], "refs": []},
         "detector_version": "gaps-1", "listed": []}
        for i in ids
    ]  # fmt: skip
    return pa.Table.from_pylist(rows, schema=EVENTS.schema)


def test_events_upsert_by_id(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store", create=True)
    assert store.read(layout.EVENTS) is None
    assert store.upsert_events(_events("a", "b")) == 2
    assert store.upsert_events(_events("b", "c", reason="second run")) == 3
    table = store.read(layout.EVENTS)
    assert table is not None
    reasons = dict(zip(table.column("event_id").to_pylist(), table.column("reason").to_pylist(), strict=True))
    assert reasons == {"a": "first run", "b": "second run", "c": "second run"}


def test_a_derived_table_is_checked_before_it_is_written(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store", create=True)
    with pytest.raises(SchemaError):
        store.write(layout.EVENTS, _events("a").drop_columns(["reason"]))
    assert not store.path(layout.EVENTS.relative).exists()


def test_alerts_written_before_risk_score_was_named_read_with_their_decisions(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store", create=True)
    row = {"alert_id": "abc", "mmsi": 352000001, "name": "X", "risk_score": 60.0, "band": "high",
           "reasons": ["r"], "fingerprint": "f", "state": "dismissed", "first_seen": T0, "changed_at": T0,
           "decided_by": "ana", "decided_at": T0, "note": "known"}  # fmt: skip
    old = pa.Table.from_pylist([row], schema=ALERTS.schema).rename_columns(
        ["score" if n == "risk_score" else n for n in ALERTS.names]
    )
    path = store.path(layout.ALERTS.relative)
    path.parent.mkdir(parents=True)
    pq.write_table(old, path)
    (alert,) = alert_store.load(store)
    assert alert.risk_score == 60.0 and alert.state == "dismissed" and alert.decided_by == "ana"
    decided = alert_store.decide(store, alert_store.Decision("abc", "escalated", "new facts", "bo", T0))
    assert decided.state == "escalated" and decided.reasons == ("r",)
    assert "risk_score" in pq.read_table(path).column_names  # rewritten under the new name
    (entry,) = (json.loads(line) for line in store.path(layout.DECISIONS).read_text().splitlines())
    assert entry["status"] == "escalated" and entry["by"] == "bo"
