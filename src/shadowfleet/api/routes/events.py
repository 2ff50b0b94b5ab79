"""Events: the map's hot path, one event with both vessels' tracks around it, and the event types."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from shadowfleet.api.data import EventQuery, track
from shadowfleet.api.deps import Snap, Viewer
from shadowfleet.api.models import READ, EventCollection, EventDetail, EventTypeInfo, responses
from shadowfleet.api.times import UtcTime, shifted
from shadowfleet.core.events import EventType

router = APIRouter(prefix="/api", tags=["events"])
BBOX = r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?$"


@router.get("/event-types", responses=responses(401))
def event_types(_: Viewer) -> list[EventTypeInfo]:
    """Every event type with the label and colour the web map and reports show."""
    return [EventTypeInfo(name=t.value, label=t.label, colour=t.colour) for t in EventType]


@router.get("/events", response_model=EventCollection, responses=responses(*READ))
def events(
    _: Viewer,
    snap: Snap,
    type: Annotated[list[EventType] | None, Query(description="event types (repeat for several)")] = None,
    since: Annotated[UtcTime | None, Query(description="events ending at or after this (UTC without a zone)")] = None,
    until: Annotated[UtcTime | None, Query(description="events starting before this (UTC without a zone)")] = None,
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
    query = EventQuery(tuple(t.value for t in type or ()), since, until, box, min_score, listed, mmsi, limit, offset)
    total, features = snap.events.query(query)
    return {"type": "FeatureCollection", "total": total, "features": features}


@router.get("/events/{event_id}", response_model=EventDetail, responses=responses(*READ, 404))
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
    since, until = shifted(e["start_time"], -pad), shifted(e["end_time"], pad)
    parties = [m for m in (e["mmsi"], e["other_mmsi"]) if m is not None]
    tracks = {str(m): track(snap.view.store, m, since, until) for m in parties}
    feature = snap.events.features[index]
    return {"feature": feature, "evidence": e["evidence"], "details": e["details"], "tracks": tracks}
