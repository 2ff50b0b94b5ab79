"""Health, who am I, the offline basemap, screening and the cap tracker."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from shadowfleet import __version__
from shadowfleet.api.deps import Snap, Viewer
from shadowfleet.risk.cap import cap_report
from shadowfleet.screening.names import country_code, schema_of
from shadowfleet.screening.screener import Query as ScreenQuery

router = APIRouter(prefix="/api")


class ScreenRequest(BaseModel):
    name: str | None = Field(default=None, max_length=300)
    type: Literal["vessel", "person", "company"] | None = None
    imo: int | None = Field(default=None, ge=1, le=9_999_999)
    mmsi: int | None = Field(default=None, ge=1, le=999_999_999)
    country: str | None = Field(default=None, max_length=100)
    threshold: float = Field(default=0.75, ge=0.0, le=1.0)


@router.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    """No key needed."""
    return {"status": "ok", "version": __version__}


@router.get("/me", tags=["meta"])
def me(who: Viewer) -> dict[str, str]:
    return {"name": who.name, "role": who.role}


@router.get("/basemap", tags=["meta"], response_class=Response,
            responses={200: {"content": {"application/geo+json": {}}}})  # fmt: skip
def basemap(_: Viewer) -> Response:
    """Natural Earth 1:50m land (public domain): the map's offline basemap."""
    body = resources.files("shadowfleet.reference").joinpath("ne_50m_land.geojson").read_bytes()
    return Response(body, media_type="application/geo+json", headers={"Cache-Control": "private, max-age=86400"})


@router.post("/screen", tags=["screening"])
def screen(_: Viewer, snap: Snap, request: ScreenRequest) -> list[dict[str, Any]]:
    """A name or a vessel in, list matches with their explanations out."""
    if snap.screener is None:
        raise HTTPException(409, "no sanctions list is loaded in this store")
    if not (request.name and request.name.strip()) and not request.imo and not request.mmsi:
        raise HTTPException(422, "give a name, an IMO or an MMSI")
    code = country_code(request.country) if request.country else None
    if request.country and code is None:
        raise HTTPException(422, f"country {request.country!r} is not known")
    query = ScreenQuery(request.name or None, schema_of(request.type), request.imo, request.mmsi, code)
    return [m.to_json() for m in snap.screener.screen(query, request.threshold)]


@router.get("/cap", tags=["cap"])
def cap(_: Viewer, snap: Snap, year: Annotated[int, Query(ge=2000, le=2100)]) -> dict[str, Any]:
    """Estimated refined-petroleum deliveries to the DPRK against the UNSCR 2397 cap."""
    return cap_report(snap.view, year).to_json()
