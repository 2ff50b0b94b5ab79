"""The API against hostile clients: bodies and parameters that used to give 500s, times near the ends of
the calendar, the server's local zone, security headers, server paths in errors, schemathesis with every
check, and slow clients against a real `serve` on loopback."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.result import Err, Ok

from conftest import REPO
from shadowfleet.api.app import create_app
from shadowfleet.api.auth import add_user
from shadowfleet.api.json_guard import MAX_DEPTH, problem_of
from shadowfleet.api.serving import RateLimitFilter
from shadowfleet.core.events import EventType
from shadowfleet.store import layout
from shadowfleet.store.store import Store

LISTED = 445286000
Api = tuple[TestClient, dict[str, str]]


@pytest.fixture(scope="module")
def api(scenario_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Api:
    """One app on one copy of the scenario store for the tests that change nothing in it (loading a
    snapshot takes seconds)."""
    store = Path(shutil.copytree(scenario_template, tmp_path_factory.mktemp("hardening") / "store"))
    analyst = {"X-API-Key": add_user(Store.open(store), "ana", "analyst")}
    client = TestClient(create_app(store), raise_server_exceptions=False)
    assert client.get("/api/events", headers=analyst).status_code == 200  # the snapshot is built once, here
    # screening loads its transliteration tables on first use (tens of seconds on a busy machine): here, not
    # inside schemathesis's 10 s read timeout
    warm = {"name": "\u91d1\u6b63\u6069 \ud55c\uad6d \u0645\u062d\u0645\u062f \u0418\u0432\u0430\u043d Kim"}
    assert client.post("/api/screen", json=warm, headers=analyst).status_code == 200
    return client, analyst


def _alert_id(api: Api) -> str:
    client, key = api
    alert_id: str = client.get("/api/alerts", headers=key).json()[0]["alert_id"]
    return alert_id


HOSTILE_BODIES = [  # (route, raw body, content type, the field the 422 must name)
    ("screen", b'{"name": "x", "threshold": NaN}', "application/json", ["body", "threshold"]),
    ("screen", b'{"name": "x", "threshold": Infinity}', "application/json", ["body", "threshold"]),
    ("screen", b'{"name": "x", "threshold": -Infinity}', "application/json", ["body", "threshold"]),
    ("screen", b'{"name": "x", "threshold": 1e999999}', "application/json", ["body", "threshold"]),
    ("screen", b'{"imo": 1e999999}', "application/json", ["body", "imo"]),
    ("screen", b'{"name": "\\ud800"}', "application/json", ["body", "name"]),
    ("screen", b'{"name": "ok", "\\udfff": 1}', "application/json", ["body"]),
    ("screen", b'{"name": "\xff\xfe"}', "application/json", ["body"]),
    ("screen", b"\xff\xfe{", "text/plain", ["body"]),
    ("screen", b"name=\xff\xfe&type=vessel", "application/x-www-form-urlencoded", ["body"]),
    ("screen", b"[" * 5000 + b"]" * 5000, "application/json", ["body"]),
    ("screen", b'{"imo": ' + b"9" * 5000 + b"}", "application/json", ["body"]),
    ("alert", b'{"status": "reviewed", "note": "\\ud800"}', "application/json", ["body", "note"]),
    ("alert", b'{"status": "reviewed", "note": ["a", NaN]}', "application/json", ["body", "note", 1]),
    ("alert", b'{"status": "reviewed", "note": "\xc3"}', "application/json", ["body"]),
]


@pytest.mark.parametrize(("route", "body", "content_type", "field"), HOSTILE_BODIES)
def test_hostile_bodies_are_a_422_naming_the_field(
    api: Api, route: str, body: bytes, content_type: str, field: list[Any]
) -> None:
    client, key = api
    path = "/api/screen" if route == "screen" else f"/api/alerts/{_alert_id(api)}"
    response = client.post(path, content=body, headers={**key, "Content-Type": content_type})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"][: len(field)] == field, detail
    assert {"loc", "msg", "type"} <= set(detail[0])


def test_a_chunked_body_over_the_limit_is_a_413(api: Api) -> None:
    client, key = api
    chunks = iter([b'{"name": "' + b"a" * 40_000, b"a" * 40_000 + b'"}'])  # no content-length: chunked
    response = client.post("/api/screen", content=chunks, headers={**key, "Content-Type": "application/json"})
    assert response.status_code == 413 and "65536" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/api/events", "since", "0001-01-01T00:00:00"),
        ("/api/events", "since", "0001-01-01T00:00:00+14:00"),
        ("/api/events", "until", "9999-12-31T23:59:59-14:00"),
        (f"/api/vessels/{LISTED}/track", "since", "0001-01-01T00:00:00"),
        (f"/api/vessels/{LISTED}/track", "until", "9999-12-31T23:59:59.999999"),
    ],
)
def test_times_far_outside_the_ais_era_are_a_422_naming_the_parameter(
    api: Api, path: str, name: str, value: str
) -> None:
    client, key = api
    response = client.get(path, params={name: value}, headers=key)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", name]


def _move_events(store: Path, moves: dict[str, tuple[datetime, datetime]]) -> None:
    """Give some events of the store other times, as a store written before ingest checked years could hold."""
    table = pq.read_table(store / layout.EVENTS.relative)
    ids = table.column("event_id").to_pylist()
    for column, which in (("start_time", 0), ("end_time", 1)):
        times = table.column(column).to_pylist()
        for event_id, span in moves.items():
            times[ids.index(event_id)] = span[which]
        index = table.schema.get_field_index(column)
        table = table.set_column(index, column, pa.array(times, table.schema.field(column).type))
    pq.write_table(table, store / layout.EVENTS.relative)


def test_events_near_year_1_and_9999_are_served(scenario_store: Path) -> None:
    ids: list[Any] = pq.read_table(scenario_store / layout.EVENTS.relative, columns=["event_id"]).column(0).to_pylist()
    early, late = ids[0], ids[1]
    _move_events(
        scenario_store,
        {
            early: (datetime(1, 1, 1, 0, 30, tzinfo=UTC), datetime(1, 1, 1, 2, tzinfo=UTC)),
            late: (datetime(9999, 12, 31, 20, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)),
        },
    )
    key = {"X-API-Key": add_user(Store.open(scenario_store), "ana", "analyst")}
    client = TestClient(create_app(scenario_store), raise_server_exceptions=False)
    for event_id, year in ((early, "0001"), (late, "9999")):
        response = client.get(f"/api/events/{event_id}", params={"hours": 6}, headers=key)
        assert response.status_code == 200, response.text
        assert response.json()["feature"]["properties"]["start_time"].startswith(year)
    assert client.get("/api/events", headers=key).json()["total"] == len(ids)


def test_times_without_a_zone_are_utc_whatever_the_server_zone(api: Api) -> None:
    client, key = api
    track = f"/api/vessels/{LISTED}/track"
    utc = client.get(track, params={"since": "2024-03-02T00:00:00Z", "zoom": 22}, headers=key).json()
    events_utc = client.get("/api/events", params={"since": "2024-03-02T00:00:00Z"}, headers=key).json()
    zone = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Seoul"
    time.tzset()
    try:
        naive = client.get(track, params={"since": "2024-03-02T00:00:00", "zoom": 22}, headers=key).json()
        events_naive = client.get("/api/events", params={"since": "2024-03-02T00:00:00"}, headers=key).json()
        seoul = client.get(track, params={"since": "2024-03-02T09:00:00+09:00", "zoom": 22}, headers=key).json()
    finally:
        if zone is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = zone
        time.tzset()
    assert utc["features"] and naive == utc == seoul
    assert events_naive["total"] == events_utc["total"]
    first = min(f["properties"]["start"] for f in naive["features"])
    assert first >= "2024-03-02T00:00:00+00:00"


def test_security_headers_on_every_answer(api: Api) -> None:
    client, key = api
    answers = [
        client.get("/"),
        client.get("/app.js"),
        client.get("/api/health"),
        client.get("/api/events"),  # 401
        client.post("/api/screen", content=b"{" + b" " * 70_000 + b"}", headers=key),  # 413
        client.get(f"/api/vessels/{LISTED}/case.html", headers=key),
    ]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert "worker-src 'self' blob:" in policy  # MapLibre's worker
    assert "cdn.jsdelivr.net" in client.get("/docs").headers["content-security-policy"]


def test_store_errors_show_no_server_paths(scenario_store: Path) -> None:
    key = {"X-API-Key": add_user(Store.open(scenario_store), "ana", "analyst")}
    (scenario_store / layout.EVENTS.relative).unlink()  # a store nothing was detected in yet
    client = TestClient(create_app(scenario_store), raise_server_exceptions=False)
    response = client.get("/api/events", headers=key)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "no events yet" in detail and "STORE" in detail
    assert str(scenario_store) not in detail and not re.search(r"(^|\s)/\w", detail), detail


def test_event_types_come_from_the_registry(api: Api) -> None:
    client, key = api
    served = client.get("/api/event-types", headers=key).json()
    assert [t["name"] for t in served] == [t.value for t in EventType]
    assert all(t["label"] and re.fullmatch(r"#[0-9a-f]{6}", t["colour"]) for t in served)
    for t in EventType:  # every registered type is a valid filter, so none can be forgotten
        assert client.get("/api/events", params={"type": t.value}, headers=key).status_code == 200
    assert client.get("/api/events", params={"type": "party"}, headers=key).status_code == 422
    web_map = (REPO / "src" / "shadowfleet" / "api" / "static" / "app.js").read_text()
    assert not [t.value for t in EventType if f'"{t.value}"' in web_map]  # the map asks the API


def test_every_route_declares_a_response_model(api: Api) -> None:
    client, _ = api
    schema = client.get("/openapi.json").json()
    untyped = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            content = operation["responses"]["200"].get("content", {})
            described = [m for m in content.values() if m.get("schema")]
            binary = set(content) & {"application/pdf", "application/geo+json", "text/html"}
            if not described and not binary:
                untyped.append(f"{method.upper()} {path}")
    assert untyped == []


# Where a schema-valid value is still refused with a 422, for a reason OpenAPI cannot state: times outside
# the AIS era (JSON Schema has no range for date-times) and country names (checked against a gazetteer).
SEMANTIC_422 = {("query", "since"), ("query", "until"), ("body", "country")}


def _semantic_rejection(response: Any) -> bool:
    if response.status_code != 422:
        return False
    detail = response.json().get("detail")
    return isinstance(detail, list) and all(tuple(e["loc"][:2]) in SEMANTIC_422 for e in detail)


def test_schemathesis_every_check_on_every_operation(api: Api) -> None:
    """0 server errors, no undocumented status code or content type, responses match their models, bad input
    rejected, good input accepted, auth not ignored, unsupported methods answered 405."""
    client, analyst = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    results = list(schema.get_all_operations())
    assert not [r for r in results if isinstance(r, Err)]  # the OpenAPI document is valid
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) >= 15
    load_all_checks()
    checks: list[Any] = list(CHECKS.get_all())
    assert len(checks) >= 14
    failures: list[str] = []
    seen: set[int] = set()
    for operation in operations:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def call(case: Case) -> None:  # type: ignore[type-arg]
            response = case.call(headers=analyst)
            seen.add(response.status_code)
            try:
                case.validate_response(response, checks=checks, headers=analyst)
            except BaseException as group:  # schemathesis raises an exception group of failures
                found = [f for f in getattr(group, "exceptions", [group]) if not _expected(f, response)]
                failures.extend(f"{case.method} {case.formatted_path}: {str(f)[:300]}" for f in found)

        call()
    assert failures == []
    assert 200 in seen and seen & {404, 422}  # the generator reached real answers and the validators


def _expected(failure: BaseException, response: Any) -> bool:
    return type(failure).__name__ == "RejectedPositiveData" and _semantic_rejection(response)


_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8)  # no lone surrogates
_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT
_TREES = st.recursive(_LEAVES, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(_TEXT, kids, max_size=3))


def _depth(value: Any) -> int:
    children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else None
    return 0 if children is None else 1 + max((_depth(c) for c in children), default=0)


@settings(max_examples=200, deadline=None)
@given(tree=_TREES, bad=st.sampled_from([math.nan, math.inf, -math.inf, "\ud800", "a\udfffb"]))
def test_json_guard_passes_what_can_be_served_and_finds_what_cannot(tree: Any, bad: Any) -> None:
    body = json.dumps(tree, ensure_ascii=False).encode("utf-8")
    assert (problem_of(body) is None) == (_depth(tree) <= MAX_DEPTH)
    planted = json.dumps({"keep": tree, "items": [0, {"x": bad}]}).encode()  # ASCII: surrogates as \uXXXX
    found = problem_of(planted)
    assert _depth(tree) + 1 > MAX_DEPTH or (found is not None and found.loc == ("body", "items", 1, "x"))


def test_the_error_log_is_rate_limited() -> None:
    now = [0.0]
    gate = RateLimitFilter(burst=3, total=10, window_s=10.0, clock=lambda: now[0])
    record = logging.LogRecord(
        "asyncio", logging.ERROR, __file__, 1, "socket.accept() out of system resource", (), None
    )
    passed = sum(gate.filter(record) for _ in range(100_000))
    assert passed == 3
    now[0] = 11.0
    assert gate.filter(record) and "99997 more like this" in str(record.msg)
    others = [logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, f"kind {i}", (), None) for i in range(50)]
    assert sum(gate.filter(r) for r in others) == 9  # the window's total, all kinds together


# ---- slow clients against a real `serve` on 127.0.0.1 --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(scenario_store: Path, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`serve` with small limits in a process allowed 256 open files, its log kept in a file."""
    port, log = _free_port(), tmp_path / "serve.log"
    limits = ["--header-timeout", "1", "--body-timeout", "1"]
    serve = [sys.executable, "-m", "shadowfleet", "serve", "--store", str(scenario_store), "--port", str(port)]
    command = ["prlimit", "--nofile=256:256", *serve, *limits]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        )
        try:
            assert _get(port, "/api/health", wait_s=60) == 200, log.read_text()
            yield port, log
        finally:
            process.terminate()
            process.wait(timeout=20)


def _get(port: int, path: str, wait_s: float) -> int:
    """The status of a plain GET, retried while the server refuses (it may be full or starting)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                head = s.recv(64)
            if head.startswith(b"HTTP/1.1 "):
                return int(head[9:12])
        except OSError:
            pass
        if time.monotonic() > deadline:
            return 0
        time.sleep(0.2)


def _closed_by_server(s: socket.socket) -> bytes | None:
    """What the server said before closing, or None if it still holds the connection after the socket timeout."""
    said = b""
    try:
        while chunk := s.recv(4096):
            said += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return said


def test_slow_clients_are_cut_off_and_the_server_keeps_serving(served: tuple[int, Path]) -> None:
    port, log = served
    body = socket.create_connection(("127.0.0.1", port), timeout=10)
    slow = [body]
    try:
        body.sendall(b"POST /api/screen HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"name\"")  # fmt: skip
        for _ in range(300):  # more than the 256 open files the server may have
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # headers never finished
            slow.append(s)
        answers = [_closed_by_server(s) for s in slow]
    finally:
        for s in slow:
            s.close()
    assert all(a is not None for a in answers)  # every slow client was let go within the socket timeout
    assert b" 408 " in (answers[0] or b"")  # the body that never finished
    assert _get(port, "/api/health", wait_s=20) == 200
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "Too many open files" not in text, text[-2000:]
    assert len(text) < 20_000  # a handful of rate-limited lines, not a flood
