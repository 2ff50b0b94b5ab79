"""Health, who am I, the offline basemap, screening and the cap tracker."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator, model_validator

from shadowfleet import __version__
from shadowfleet.api.deps import Snap, Viewer
from shadowfleet.api.models import READ, CapReport, Health, Me, ScreenMatch, responses
from shadowfleet.risk.cap import cap_report
from shadowfleet.screening.names import country_code, schema_of
from shadowfleet.screening.screener import Query as ScreenQuery

router = APIRouter(prefix="/api")


class ScreenRequest(BaseModel):
    """A name, an IMO or an MMSI (at least one), optionally narrowed by party type and country."""

    model_config = {"json_schema_extra": {"anyOf": [
        {"required": ["name"], "properties": {"name": {"type": "string", "pattern": r"\S"}}},
        {"required": ["imo"], "properties": {"imo": {"type": "integer"}}},
        {"required": ["mmsi"], "properties": {"mmsi": {"type": "integer"}}},
    ]}}  # fmt: skip

    name: str | None = Field(default=None, max_length=300, pattern=r"\S")
    type: Literal["vessel", "person", "company"] | None = None
    imo: int | None = Field(default=None, ge=1, le=9_999_999)
    mmsi: int | None = Field(default=None, ge=1, le=999_999_999)
    country: str | None = Field(default=None, max_length=100, description="a country name or ISO code")
    threshold: float = Field(default=0.75, ge=0.0, le=1.0)

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value and country_code(value) is None:
            raise ValueError("not a country known by name or ISO code")
        return value

    @model_validator(mode="after")
    def _something_to_screen(self) -> Self:
        if not (self.name and self.name.strip()) and not self.imo and not self.mmsi:
            raise ValueError("give a name, an IMO or an MMSI")
        return self


@router.get("/health", tags=["meta"])
def health() -> Health:
    """No key needed."""
    return Health(status="ok", version=__version__)


@router.get("/me", tags=["meta"], responses=responses(401))
def me(who: Viewer) -> Me:
    return Me(name=who.name, role=who.role)


@router.get("/basemap", tags=["meta"], response_class=Response,
            responses={200: {"content": {"application/geo+json": {}}}, **responses(401, json_route=False)})  # fmt: skip
def basemap(_: Viewer) -> Response:
    """Natural Earth 1:50m land (public domain): the map's offline basemap."""
    body = resources.files("shadowfleet.reference").joinpath("ne_50m_land.geojson").read_bytes()
    return Response(body, media_type="application/geo+json", headers={"Cache-Control": "private, max-age=86400"})


@router.post("/screen", tags=["screening"], response_model=list[ScreenMatch], responses=responses(*READ, 408, 413))
def screen(_: Viewer, snap: Snap, request: ScreenRequest) -> list[dict[str, Any]]:
    """A name or a vessel in, list matches with their explanations out (409 while no list is loaded)."""
    if snap.screener is None:
        raise HTTPException(409, "no sanctions list is loaded in this store")
    code = country_code(request.country) if request.country else None
    query = ScreenQuery(request.name or None, schema_of(request.type), request.imo, request.mmsi, code)
    found = [m.to_json() for m in snap.screener.screen(query, request.threshold)]
    return [{**m, "source": snap.view.store.shown(m["source"])} for m in found]


@router.get("/cap", tags=["cap"], response_model=CapReport, responses=responses(*READ))
def cap(_: Viewer, snap: Snap, year: Annotated[int, Query(ge=2000, le=2100)]) -> dict[str, Any]:
    """Estimated refined-petroleum deliveries to the DPRK against the UNSCR 2397 cap."""
    return cap_report(snap.view, year).to_json()
