"""Times in query parameters: a time without a zone is UTC (never the server's local zone), every time is
turned into UTC, and times outside the years any AIS record can have are refused with a 422 naming the
parameter (instead of overflowing into a 500 further on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)  # AIS began in the 2000s; this leaves room and stays far from year 1
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if not EARLIEST <= aware <= LATEST:  # compared before converting, which could overflow near year 1 or 9999
        raise ValueError(f"time {value.isoformat()} is outside {EARLIEST:%Y}-{LATEST:%Y}")
    return aware.astimezone(UTC)


UtcTime = Annotated[datetime, AfterValidator(as_utc)]


def shifted(when: datetime, by: timedelta) -> datetime:
    """`when + by`, held at the ends of the calendar (an event the store dates near year 1 or 9999)."""
    try:
        return when + by
    except OverflowError:
        edge = datetime.max if by > timedelta(0) else datetime.min
        return edge.replace(tzinfo=when.tzinfo)
