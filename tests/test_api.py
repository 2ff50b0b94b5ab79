"""The REST API in-process: keys and roles, every endpoint, limits, no path traversal (hostile input and
schemathesis: test_api_hardening.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shadowfleet.api.app import create_app
from shadowfleet.api.auth import add_user
from shadowfleet.store.store import Store

LISTED = 445286000


@pytest.fixture
def api(scenario_store: Path) -> tuple[TestClient, dict[str, str], dict[str, str]]:
    store = Store.open(scenario_store)
    analyst = {"X-API-Key": add_user(store, "ana", "analyst")}
    viewer = {"X-API-Key": add_user(store, "vic", "viewer")}
    return TestClient(create_app(scenario_store)), analyst, viewer


def test_keys_and_roles(api: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    client, analyst, viewer = api
    assert client.get("/api/health").json()["status"] == "ok"
    for path in ("/api/events", "/api/vessels", "/api/alerts", "/api/basemap", f"/api/vessels/{LISTED}/case.html"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"X-API-Key": "sf_wrong"}).status_code == 401, path
    bearer = {"Authorization": f"Bearer {viewer['X-API-Key']}"}
    assert client.get("/api/me", headers=bearer).json() == {"name": "vic", "role": "viewer"}
    alert = client.get("/api/alerts", headers=viewer).json()[0]
    decision = {"status": "escalated", "note": "STS with a listed tanker"}
    assert client.post(f"/api/alerts/{alert['alert_id']}", json=decision, headers=viewer).status_code == 403
    done = client.post(f"/api/alerts/{alert['alert_id']}", json=decision, headers=analyst).json()
    assert done["state"] == "escalated" and done["decided_by"] == "ana" and done["note"] == decision["note"]
    assert client.post("/api/alerts/abc123", json=decision, headers=analyst).status_code == 404
    assert client.post(f"/api/alerts/{alert['alert_id']}", json={"status": "gone"}, headers=analyst).status_code == 422


def test_events_filters_and_detail(api: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    client, _, viewer = api
    every = client.get("/api/events", headers=viewer).json()
    assert every["type"] == "FeatureCollection" and every["total"] == len(every["features"]) > 5
    scores = [f["properties"]["score"] for f in every["features"]]
    assert scores == sorted(scores, reverse=True)
    encounters = client.get("/api/events", params={"type": "encounter"}, headers=viewer).json()["features"]
    assert encounters and {f["properties"]["event_type"] for f in encounters} == {"encounter"}
    listed = client.get("/api/events", params={"listed": "true"}, headers=viewer).json()["features"]
    assert listed and all(f["properties"]["listed"] for f in listed)
    strong = client.get("/api/events", params={"min_score": 0.8}, headers=viewer).json()["features"]
    assert all(f["properties"]["score"] >= 0.8 for f in strong)
    lon, lat = encounters[0]["geometry"]["coordinates"]
    box = f"{lon - 0.1},{lat - 0.1},{lon + 0.1},{lat + 0.1}"
    inside = client.get("/api/events", params={"bbox": box}, headers=viewer).json()["features"]
    assert encounters[0]["id"] in {f["id"] for f in inside} and len(inside) < every["total"]
    page = client.get("/api/events", params={"limit": 2, "offset": 1}, headers=viewer).json()
    assert [f["id"] for f in page["features"]] == [f["id"] for f in every["features"][1:3]]
    later = client.get("/api/events", params={"since": "2030-01-01T00:00:00Z"}, headers=viewer).json()
    assert later["total"] == 0
    for bad in ({"bbox": "1,2,3"}, {"type": "party"}, {"min_score": 2}, {"limit": 0}):
        assert client.get("/api/events", params=bad, headers=viewer).status_code == 422, bad
    sts = next(f for f in listed if f["properties"]["event_type"] == "encounter")
    detail = client.get(f"/api/events/{sts['id']}", headers=viewer).json()
    assert set(detail["tracks"]) == {str(sts["properties"]["mmsi"]), str(sts["properties"]["other_mmsi"])}
    assert all(len(points) > 10 and len(points[0]) == 4 for points in detail["tracks"].values())
    assert detail["evidence"]["positions"] > 0
    assert client.get("/api/events/0123abcd", headers=viewer).status_code == 404
    assert client.get("/api/events/not-an-id", headers=viewer).status_code == 422


def test_vessels_screening_cap_and_case_files(api: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    client, _, viewer = api
    found = client.get("/api/vessels", params={"q": "chon"}, headers=viewer).json()
    assert [v["mmsi"] for v in found] == [LISTED] and found[0]["band"] == "critical"
    assert client.get("/api/vessels", params={"imo": 8660313}, headers=viewer).json()[0]["mmsi"] == LISTED
    profile = client.get(f"/api/vessels/{LISTED}", headers=viewer).json()
    assert profile["risk"]["risk_score"] == sum(f["points"] for f in profile["risk"]["findings"])
    assert profile["matches"][0]["entry_name"] == "CHON MA SAN" and profile["matches"][0]["explanation"]
    assert profile["identity_history"][0]["name"] == "CHON MA SAN" and profile["identity_history"][0]["imo"] == 8660313
    assert client.get("/api/vessels/123", headers=viewer).status_code == 404
    track = client.get(f"/api/vessels/{LISTED}/track", params={"zoom": 16}, headers=viewer).json()
    assert track["features"] and {f["properties"]["speed_class"] for f in track["features"]} <= {0, 1, 2, 3}
    coarse = client.get(f"/api/vessels/{LISTED}/track", params={"zoom": 2}, headers=viewer).json()
    count = sum(len(f["geometry"]["coordinates"]) for f in coarse["features"])
    assert count < sum(len(f["geometry"]["coordinates"]) for f in track["features"])
    matches = client.post(
        "/api/screen", json={"name": "Korea Kumun San Shipping", "type": "company"}, headers=viewer
    ).json()
    assert matches[0]["entry_name"] == "KOREA KUMUNSAN SHIPPING CO" and matches[0]["explanation"]
    assert client.post("/api/screen", json={}, headers=viewer).status_code == 422
    assert client.post("/api/screen", json={"name": "x", "country": "Atlantis"}, headers=viewer).status_code == 422
    cap = client.get("/api/cap", params={"year": 2024}, headers=viewer).json()
    assert cap["deliveries"][0]["receiver"] == LISTED
    page = client.get(f"/api/vessels/{LISTED}/case.html", headers=viewer)
    assert page.status_code == 200 and "Red flags" in page.text and "data-event-id" in page.text
    assert client.get(f"/api/vessels/{LISTED}/case.pdf", headers=viewer).content[:5] == b"%PDF-"


def test_no_path_traversal_limits_and_closed_cors(
    api: tuple[TestClient, dict[str, str], dict[str, str]], scenario_store: Path
) -> None:
    client, _, viewer = api
    for path in (
        "/api/vessels/..%2F..%2Fetc%2Fpasswd/case.html",
        "/api/vessels/%2e%2e/case.pdf",
        "/..%2F..%2Fetc%2Fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/vendor/..%2F..%2F..%2Fapi%2Fauth.py",
    ):
        response = client.get(path, headers=viewer)
        assert response.status_code in (404, 422), path
        assert "root:" not in response.text and "def authenticate" not in response.text
    big = client.post(
        "/api/screen", content=b"{" + b" " * 70_000 + b"}", headers={**viewer, "Content-Type": "application/json"}
    )
    assert big.status_code == 413
    origin = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in client.options("/api/events", headers=origin).headers
    assert "access-control-allow-origin" not in client.get("/api/health", headers=origin).headers
    opened = TestClient(create_app(scenario_store, ("https://desk.example",)))
    allowed = opened.get("/api/health", headers={"Origin": "https://desk.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://desk.example"
    assert client.get("/", headers={}).status_code == 200 and "maplibre-gl.js" in client.get("/").text
    schema = client.get("/openapi.json").json()
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schema["components"]["securitySchemes"])
