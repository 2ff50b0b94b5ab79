"""Which events are in North Korea: the one place risk, the cap tracker and case files decide it."""

from __future__ import annotations

from shadowfleet.core.events import ZoneKind, ZoneVisitDetails
from shadowfleet.store.events import Event

# detect/zones.py names its default zones "DPRK land and 12 nm waters" and "DPRK port <name>"; a zone of
# the user's own (`detect --zones`) is watched, but visiting it is not a DPRK visit
DPRK_ZONE_PREFIX = "DPRK"


def dprk_visit(e: Event) -> ZoneVisitDetails | None:
    """The details of a visit to DPRK waters or a DPRK port; None for any other event."""
    details = e.details
    if isinstance(details, ZoneVisitDetails) and details.zone.startswith(DPRK_ZONE_PREFIX):
        return details
    return None


def dprk_port_call(e: Event) -> ZoneVisitDetails | None:
    details = dprk_visit(e)
    return details if details is not None and details.kind is ZoneKind.PORT else None
