"""What each route answers, as pydantic models: the OpenAPI document describes every response, and a
response that drifts from its model fails loudly in the tests instead of surprising a client.

Records the pipeline writes (events, alerts, matches, risk findings) allow extra fields, so a new field
in a table reaches clients without an API change; the fields named here are the ones clients rely on.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Problem(BaseModel):
    detail: str


_MEANING = {
    401: "no valid API key",
    403: "the caller's role may not do this",
    404: "not found",
    408: "the request body did not arrive in time",
    409: "the store cannot answer yet (for example nothing detected yet)",
    413: "the request body is too large",
}


def responses(*codes: int, json_route: bool = True) -> dict[int | str, dict[str, Any]]:
    """The error answers a route can give, for its `responses=` (422 FastAPI declares itself). Errors are
    JSON even where the route answers HTML or PDF (`json_route=False`), so there the media type is explicit:
    FastAPI would file a `model` under the route's own media type."""
    if json_route:
        return {code: {"model": Problem, "description": _MEANING[code]} for code in codes}
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {code: {"description": _MEANING[code], "content": problem} for code in codes}


READ = (401, 409)  # every route that needs a key and reads the store


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Me(BaseModel):
    name: str
    role: str


class EventTypeInfo(BaseModel):
    name: str = Field(description="the value of `type` in /api/events and of `event_type` in events")
    label: str
    colour: str = Field(description="CSS colour the web map draws it in")


class Point(BaseModel):
    type: Literal["Point"]
    coordinates: list[float]


class ListedParty(Open):
    mmsi: int
    list_name: str = Field(alias="list")
    entry_id: str
    entry_name: str
    score: float


class EventProperties(Open):
    event_id: str
    event_type: str
    mmsi: int
    other_mmsi: int | None
    start_time: str
    end_time: str
    duration_h: float
    score: float = Field(description="0-1; below 0.3 the event is context, not an alarm")
    reason: str
    details: dict[str, Any]
    listed: list[ListedParty]
    positions: int = Field(description="supporting position records")


class EventFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: Point | None
    properties: EventProperties


class EventCollection(BaseModel):
    type: Literal["FeatureCollection"]
    total: int = Field(description="events matching the filter; `features` is one page of them")
    features: list[EventFeature]


class Evidence(Open):
    positions: int
    sources: list[str]


class EventDetail(BaseModel):
    feature: EventFeature
    evidence: Evidence
    details: dict[str, Any]
    tracks: dict[str, list[tuple[float, float, float, float | None]]] = Field(
        description="per MMSI: [lon, lat, epoch seconds, speed kn] in time order"
    )


class VesselSummary(BaseModel):
    mmsi: int
    name: str | None
    imo: int | None
    flag: str | None
    ship_type: int | None
    risk_score: float = Field(description="0-100")
    band: str


class Finding(Open):
    feature: str
    points: float
    reason: str
    events: list[str]


class Risk(Open):
    risk_score: float = Field(description="0-100, the sum of the findings' points")
    band: str
    reasons: list[str]
    findings: list[Finding]


class Explanation(Open):
    feature: str
    points: float
    detail: str


class VesselMatch(Open):
    list_name: str
    entry_id: str
    entry_name: str
    score: float
    explanation: list[Explanation]


class IdentityRecord(Open):
    first: str
    last: str


class VesselProfile(VesselSummary):
    names: list[str]
    imos: list[int]
    identity_history: list[IdentityRecord]
    risk: Risk
    matches: list[VesselMatch]
    events: int


class LineString(BaseModel):
    type: Literal["LineString"]
    coordinates: list[tuple[float, float]]


class TrackProperties(BaseModel):
    speed_class: int = Field(ge=0, le=3, description="0: < 2 kn, 1: < 6, 2: < 12, 3: faster")
    sog_kn: float | None
    start: str


class TrackFeature(BaseModel):
    type: Literal["Feature"]
    geometry: LineString
    properties: TrackProperties


class TrackCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[TrackFeature]


class Alert(Open):
    alert_id: str
    mmsi: int
    band: str
    reasons: list[str]
    state: str
    decided_by: str | None
    note: str | None


class ScreenMatch(Open):
    score: float
    list_name: str = Field(alias="list")
    entry_id: str
    entry_name: str
    programs: list[str]
    explanation: list[Explanation]


class Delivery(Open):
    kind: str
    when: str
    receiver: int
    events: list[str]
    barrels: list[int]


class CapReport(Open):
    year: int
    cap_barrels: int
    scenarios: list[float]
    totals_barrels: list[int]
    share_of_cap: list[float]
    deliveries: list[Delivery]
