"""No path of the server's machine leaves it: the API and the case files name a source file relative to the
store when it is inside, else by its file name (the manifest keeps the full path and its sha256)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from shadowfleet.api.app import create_app
from shadowfleet.api.auth import add_user
from shadowfleet.store import layout
from shadowfleet.store.store import Store

LISTED = 445286000  # the scenario's listed tanker: it has events, identities and list matches


def test_store_shows_paths_relative_to_itself_or_by_name(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store", create=True)
    assert store.shown(str(tmp_path / "store" / "raw" / "feed" / "a.nmea")) == "raw/feed/a.nmea"
    assert store.shown(str(tmp_path / "elsewhere" / "ais.csv")) == "ais.csv"
    assert store.shown(f"{tmp_path}/lists/un.xml:42") == "un.xml:42"
    assert store.shown(f"{tmp_path}/dump.zip::2024/day1.csv") == "dump.zip::2024/day1.csv"


def test_no_server_path_in_any_response(scenario_store: Path) -> None:
    store = Store.open(scenario_store)
    machine = str(scenario_store.parent.parent)  # above both the store and the simulated input files
    evidence: list[Any] = pq.read_table(store.path(layout.EVENTS.relative)).column("evidence").to_pylist()
    assert any(machine in s for e in evidence for s in e["sources"]), "the store itself keeps full paths"
    client = TestClient(create_app(scenario_store))
    viewer = {"X-API-Key": add_user(store, "vic", "viewer")}

    def body(path: str) -> str:
        response = client.get(path, headers=viewer)
        assert response.status_code == 200, path
        return str(response.text)

    every = client.get("/api/events", params={"limit": 5000}, headers=viewer).json()["features"]
    details = [client.get(f"/api/events/{f['id']}", headers=viewer).json() for f in every]
    sources = {s for d in details for s in d["evidence"]["sources"]}
    assert sources == {"ais.csv"}
    profile = client.get(f"/api/vessels/{LISTED}", headers=viewer).json()
    assert profile["identity_history"] and profile["matches"]
    assert {h["source"] for h in profile["identity_history"]} == {"ais.csv"}
    assert all(":" in m["entry_source"] and "/" not in m["entry_source"] for m in profile["matches"])
    screened = client.post("/api/screen", json={"name": "chon ma san"}, headers=viewer)
    assert screened.status_code == 200 and screened.json()
    texts = [str(details), str(profile), screened.text, body(f"/api/vessels/{LISTED}/case.html")]
    texts += [body(p) for p in ("/api/vessels", "/api/alerts", "/api/event-types", "/api/cap?year=2024")]
    for text in texts:
        assert machine not in text
