"""Vessels: search, profile, track and case files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import HTMLResponse, Response

from shadowfleet.api.data import Snapshot, simplified_segments, track
from shadowfleet.api.deps import Snap, Viewer
from shadowfleet.api.models import READ, TrackCollection, VesselProfile, VesselSummary, responses
from shadowfleet.api.times import UtcTime
from shadowfleet.report.case import gather, identity_history, resolve
from shadowfleet.report.render import html, pdf
from shadowfleet.risk.alerts import utc_now

router = APIRouter(prefix="/api/vessels", tags=["vessels"])
MMSI = Annotated[int, Path(ge=0, le=999_999_999, description="MMSI (or an IMO number for case files and profiles)")]


def _summary(snap: Snapshot, mmsi: int) -> dict[str, Any]:
    v = snap.view.vessel(mmsi)
    risk = snap.risk.get(mmsi, {})
    return {"mmsi": mmsi, "name": v.name, "imo": v.imo, "flag": snap.view.flag(mmsi), "ship_type": v.ship_type,
            "risk_score": risk.get("risk_score", 0.0), "band": risk.get("band", "low")}  # fmt: skip


@router.get("", response_model=list[VesselSummary], responses=responses(*READ))
def vessels(
    _: Viewer,
    snap: Snap,
    q: Annotated[str | None, Query(max_length=100, description="part of a name")] = None,
    imo: Annotated[int | None, Query(ge=0, le=9_999_999)] = None,
    mmsi: Annotated[int | None, Query(ge=0, le=999_999_999)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """Vessels by part of a name, IMO or MMSI, riskiest first."""
    found = []
    for v in snap.view.vessels.values():
        if mmsi is not None and v.mmsi != mmsi:
            continue
        if imo is not None and imo != v.imo and imo not in v.imos:
            continue
        if q and not any(q.casefold() in n.casefold() for n in v.names):
            continue
        found.append(_summary(snap, v.mmsi))
    if not q and imo is None and mmsi is None:  # vessels with events but no static report count too
        found += [_summary(snap, m) for m in snap.risk if m not in snap.view.vessels]
    return sorted(found, key=lambda r: (-r["risk_score"], r["mmsi"]))[:limit]


def _known(snap: Snapshot, mmsi: int) -> None:
    try:
        resolve(snap.view, mmsi)
    except KeyError:
        raise HTTPException(404, f"no vessel with MMSI or IMO {mmsi}") from None


@router.get("/{mmsi}", response_model=VesselProfile, responses=responses(*READ, 404))
def vessel(_: Viewer, snap: Snap, mmsi: MMSI) -> dict[str, Any]:
    """A vessel's profile: identity history, risk with every finding, list matches with explanations."""
    _known(snap, mmsi)
    v, store = snap.view.vessel(mmsi), snap.view.store
    risk = dict(snap.risk.get(mmsi) or {"risk_score": 0.0, "band": "low", "reasons": [], "findings": "[]"})
    risk["findings"] = json.loads(risk["findings"])
    keys = ("list_name", "list_version", "entry_id", "entry_name", "score", "flags", "entry_source")
    matches = [
        {
            **{k: m[k] for k in keys},
            "entry_source": store.shown(m["entry_source"]),
            "explanation": json.loads(m["explanation"]),
        }
        for m in snap.view.matches.get(mmsi, [])
    ]
    history = [{**h, "first": h["first"].isoformat(), "last": h["last"].isoformat(), "source": store.shown(h["source"])}
               for h in identity_history(snap.view, mmsi)]  # fmt: skip
    return {**_summary(snap, mmsi), "names": v.names, "imos": v.imos, "identity_history": history, "risk": risk,
            "matches": matches, "events": len(snap.view.events_of(mmsi))}  # fmt: skip


@router.get("/{mmsi}/track", response_model=TrackCollection, responses=responses(*READ))
def vessel_track(
    _: Viewer,
    snap: Snap,
    mmsi: MMSI,
    since: Annotated[UtcTime | None, Query(description="from (UTC unless a zone is given)")] = None,
    until: Annotated[UtcTime | None, Query(description="to, excluded (UTC unless a zone is given)")] = None,
    zoom: Annotated[float, Query(ge=0, le=22)] = 8.0,
) -> dict[str, Any]:
    """The track as GeoJSON lines, one per speed class (0: < 2 kn, 1: < 6, 2: < 12, 3: faster), simplified
    to about a pixel at `zoom`."""
    return {
        "type": "FeatureCollection",
        "features": simplified_segments(track(snap.view.store, mmsi, since, until), zoom),
    }


def _case(snap: Snapshot, mmsi: int) -> str:
    _known(snap, mmsi)
    return html(gather(snap.view, mmsi, utc_now()))


@router.get(
    "/{mmsi}/case.html",
    response_class=HTMLResponse,
    tags=["case files"],
    responses=responses(*READ, 404, json_route=False),
)
def case_html(_: Viewer, snap: Snap, mmsi: MMSI) -> HTMLResponse:
    """The case file as a self-contained HTML page."""
    return HTMLResponse(_case(snap, mmsi))


PDF = {200: {"content": {"application/pdf": {}}}, **responses(*READ, 404, json_route=False)}


@router.get("/{mmsi}/case.pdf", response_class=Response, tags=["case files"], responses=PDF)
def case_pdf(_: Viewer, snap: Snap, mmsi: MMSI) -> Response:
    """The case file as PDF (WeasyPrint)."""
    document = _case(snap, mmsi)
    with tempfile.TemporaryDirectory() as folder:
        out = FilePath(folder) / "case.pdf"
        pdf(document, out)
        return Response(out.read_bytes(), media_type="application/pdf")
