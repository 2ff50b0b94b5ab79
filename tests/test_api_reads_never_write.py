"""Reads never write: `shadowfleet serve` on a store, a GET of every endpoint, and no file in the store changed.

Before the pipeline kept risk and alerts, the API's snapshot load re-scored every vessel and rewrote
alerts.parquet during a GET."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shadowfleet.api.auth import add_user
from shadowfleet.store.store import Store

LISTED = 445286000


def _files(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under the store (the lock file too): size, modification time and content hash."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        found[str(path.relative_to(root))] = (
            stat.st_size,
            stat.st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(scenario_store: Path) -> Iterator[tuple[httpx.Client, Path]]:
    key = add_user(Store.open(scenario_store), "vic", "viewer")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shadowfleet", "serve", "--store", str(scenario_store), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": key}, timeout=120)
    try:
        for _ in range(600):  # the server starts in a few seconds; this only bounds a failed start
            try:
                if client.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("serve did not start")
        yield client, scenario_store
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        client.close()


def _get_paths(client: httpx.Client) -> list[str]:
    """Every GET route of the OpenAPI document, its path parameters filled from the store's own data."""
    event_id = client.get("/api/events", params={"limit": 1}).json()["features"][0]["id"]
    alert_id = client.get("/api/alerts", params={"all": True}).json()[0]["alert_id"]
    values = {"mmsi": str(LISTED), "event_id": event_id, "alert_id": alert_id}
    paths = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if "get" in operations:
            paths.append(re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path))
    return paths


def test_a_get_of_every_endpoint_changes_no_file(served: tuple[httpx.Client, Path]) -> None:
    client, store = served
    before = _files(store)
    paths = _get_paths(client)
    assert {"/api/events", "/api/vessels", "/api/alerts", f"/api/vessels/{LISTED}/case.html"} <= set(paths)
    queries = {"/api/cap": {"year": 2024}}
    for path in [*paths, "/", "/index.html"]:
        response = client.get(path, params=queries.get(path, {}))
        assert response.status_code == 200, (path, response.text[:300])
    assert client.get("/api/alerts").json(), "the pipeline's alerts are served"
    assert _files(store) == before
