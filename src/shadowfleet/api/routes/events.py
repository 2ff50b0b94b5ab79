"""Events: the map's hot path, and one event with both vessels' tracks around it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from shadowfleet.api.data import EventQuery, track
from shadowfleet.api.deps import Snap, Viewer

router = APIRouter(prefix="/api/events", tags=["events"])
EventType = Literal[
    "encounter", "loitering", "ais_gap", "position_jump", "identity_clash", "invalid_identity", "zone_visit",
    "draught_change",
]  # fmt: skip
BBOX = r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?$"


@router.get("")
def events(
    _: Viewer,
    snap: Snap,
    type: Annotated[list[EventType] | None, Query(description="event types (repeat for several)")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    bbox: Annotated[str | None, Query(pattern=BBOX, description="lon_min,lat_min,lon_max,lat_max")] = None,
    min_score: Annotated[float, Query(ge=0, le=1)] = 0.0,
    listed: Annotated[
        bool | None, Query(description="only events with (true) or without (false) a listed party")
    ] = None,
    mmsi: Annotated[int | None, Query(ge=0, le=999_999_999)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Events as GeoJSON, highest score first, filtered by type, time, box, score and listed parties."""
    box = None
    if bbox:
        lon0, lat0, lon1, lat1 = (float(v) for v in bbox.split(","))
        box = (lon0, lat0, lon1, lat1)
    query = EventQuery(tuple(type or ()), since, until, box, min_score, listed, mmsi, limit, offset)
    total, features = snap.events.query(query)
    return {"type": "FeatureCollection", "total": total, "features": features}


@router.get("/{event_id}")
def event(
    _: Viewer,
    snap: Snap,
    event_id: Annotated[str, Path(pattern=r"^[0-9a-f]{1,64}$")],
    hours: Annotated[float, Query(ge=0, le=72)] = 6.0,
) -> dict[str, Any]:
    """One event, its evidence, and both vessels' positions from `hours` before to `hours` after it:
    [lon, lat, epoch seconds, speed kn] for the map's time slider."""
    index = snap.events.ids.get(event_id)
    if index is None:
        raise HTTPException(404, f"no event {event_id}")
    e = snap.events.rows[index]
    pad = timedelta(hours=hours)
    parties = [m for m in (e["mmsi"], e["other_mmsi"]) if m is not None]
    tracks = {str(m): track(snap.view.store, m, e["start_time"] - pad, e["end_time"] + pad) for m in parties}
    return {
        "feature": snap.events.features[index],
        "evidence": e["evidence"],
        "details": e["details"],
        "tracks": tracks,
    }
