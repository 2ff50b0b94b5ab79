"""The alert queue and the analyst's decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from shadowfleet.api.deps import Analyst, Snap, Viewer
from shadowfleet.api.models import READ, Alert, responses
from shadowfleet.risk import alerts as alert_store

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


class AlertDecision(BaseModel):
    status: Literal["reviewed", "dismissed", "escalated"]
    note: str = Field(min_length=1, max_length=2000)


@router.get("", response_model=list[Alert], responses=responses(*READ))
def alerts(_: Viewer, snap: Snap, all: bool = False) -> list[dict[str, object]]:
    """New and changed alerts (every alert with `all=true`), riskiest first; refreshed whenever the store
    changes."""
    return [a.row() for a in alert_store.load(snap.view.store) if all or a.open]


@router.post("/{alert_id}", response_model=Alert, responses=responses(*READ, 403, 404, 408, 413))
def decide(
    who: Analyst, snap: Snap, alert_id: Annotated[str, Path(pattern=r"^[0-9a-f]{1,64}$")], decision: AlertDecision
) -> dict[str, object]:
    """Set an alert's status with a note (analysts only); kept with who and when."""
    choice = alert_store.Decision(alert_id, decision.status, decision.note, who.name, alert_store.utc_now())
    try:
        return alert_store.decide(snap.view.store, choice).row()
    except KeyError:
        raise HTTPException(404, f"no alert {alert_id}") from None
