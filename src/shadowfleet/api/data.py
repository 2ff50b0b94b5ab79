"""The store as the API serves it: what the pipeline last wrote, loaded once, reloaded when a file behind
it changes. Nothing here writes: events, matches, risk and alerts are the pipeline's (`app.pipeline`).

Event queries are the hot path (the map asks for them on every pan): the events are held as numpy
columns for filtering and as ready-made GeoJSON features, so a query is a mask and a slice.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import shapely
from shapely.geometry import mapping

from shadowfleet.api.auth import User, users
from shadowfleet.risk.scorer import score_all
from shadowfleet.risk.view import StoreView, load_view
from shadowfleet.screening.lists import Lists
from shadowfleet.screening.screener import Screener
from shadowfleet.store import layout, queries
from shadowfleet.store.events import Event
from shadowfleet.store.store import Store

SPEED_CLASSES = (2.0, 6.0, 12.0)  # knots: drifting or lying, slow, cruising, fast


def _row(e: Event, store: Store) -> dict[str, Any]:
    """An event as the API returns it: the table's columns, details and evidence as JSON objects (source
    files as the store shows them: no path of the server's machine)."""
    row = {f.name: getattr(e, f.name) for f in fields(e)}
    row["event_type"] = e.event_type.value
    row["details"] = json.loads(e.details.to_json())
    row["evidence"] = {
        "positions": e.evidence.positions,
        "sources": [store.shown(s) for s in e.evidence.sources],
        "refs": [{"source": r.source, "line": r.line} for r in e.evidence.refs],
    }
    row["listed"] = [asdict(party) for party in e.listed]
    return row


def _feature(e: dict[str, Any]) -> dict[str, Any]:
    geometry = None if e["lat"] is None else {"type": "Point", "coordinates": [e["lon"], e["lat"]]}
    properties = {k: v for k, v in e.items() if k not in ("lat", "lon", "evidence")}
    properties["start_time"] = e["start_time"].isoformat()
    properties["end_time"] = e["end_time"].isoformat()
    properties["positions"] = e["evidence"]["positions"]
    return {"type": "Feature", "id": e["event_id"], "geometry": geometry, "properties": properties}


@dataclass
class EventIndex:
    rows: list[dict[str, Any]]  # the events themselves, in the order of `features`
    features: list[dict[str, Any]]
    ids: dict[str, int]
    types: np.ndarray
    start: np.ndarray  # epoch seconds
    end: np.ndarray
    score: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    listed: np.ndarray
    mmsi: np.ndarray
    other_mmsi: np.ndarray  # -1 where the event has one vessel

    @classmethod
    def build(cls, records: list[Event], store: Store) -> EventIndex:
        events = [_row(e, store) for e in records]
        ordered = sorted(events, key=lambda e: (-e["score"], e["start_time"], e["event_id"]))
        nan = float("nan")
        return cls(
            ordered,
            [_feature(e) for e in ordered],
            {e["event_id"]: i for i, e in enumerate(ordered)},
            np.array([e["event_type"] for e in ordered], dtype=object),
            np.array([e["start_time"].timestamp() for e in ordered]),
            np.array([e["end_time"].timestamp() for e in ordered]),
            np.array([e["score"] for e in ordered]),
            np.array([nan if e["lat"] is None else e["lat"] for e in ordered]),
            np.array([nan if e["lon"] is None else e["lon"] for e in ordered]),
            np.array([bool(e["listed"]) for e in ordered]),
            np.array([e["mmsi"] for e in ordered], dtype=np.int64),
            np.array([-1 if e["other_mmsi"] is None else e["other_mmsi"] for e in ordered], dtype=np.int64),
        )

    def query(self, q: EventQuery) -> tuple[int, list[dict[str, Any]]]:
        mask = self.score >= q.min_score
        if q.types:
            mask &= np.isin(self.types, list(q.types))
        if q.since is not None:
            mask &= self.end >= q.since.timestamp()
        if q.until is not None:
            mask &= self.start < q.until.timestamp()
        if q.bbox is not None:
            lon0, lat0, lon1, lat1 = q.bbox
            mask &= (self.lat >= lat0) & (self.lat <= lat1) & (self.lon >= lon0) & (self.lon <= lon1)
        if q.listed is not None:
            mask &= self.listed == q.listed
        if q.mmsi is not None:
            mask &= (self.mmsi == q.mmsi) | (self.other_mmsi == q.mmsi)
        hits = np.flatnonzero(mask)
        return len(hits), [self.features[i] for i in hits[q.offset : q.offset + q.limit]]


@dataclass(frozen=True)
class EventQuery:
    types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    min_score: float = 0.0
    listed: bool | None = None
    mmsi: int | None = None
    limit: int = 500
    offset: int = 0


@dataclass
class Snapshot:
    view: StoreView
    events: EventIndex
    risk: dict[int, dict[str, Any]]
    screener: Screener | None
    stamp: tuple[float, ...]


@dataclass
class StoreData:
    """The snapshot of one store, rebuilt when the files it was read from change (checked once a second)."""

    root: Path
    _snapshot: Snapshot | None = None
    _checked: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _users: tuple[float, list[User]] = (-1.0, [])

    def users(self) -> list[User]:
        """The API users, re-read only when users.json changes (every request asks)."""
        path = self.root / layout.USERS
        stamp = path.stat().st_mtime if path.exists() else 0.0
        if stamp != self._users[0]:
            self._users = (stamp, users(Store(self.root)))
        return self._users[1]

    def _stamp(self) -> tuple[float, ...]:
        paths = [self.root / d.relative for d in (layout.EVENTS, layout.MATCHES, layout.RISK, layout.ALERTS)]
        paths.append(self.root / layout.MANIFEST)
        paths += sorted((self.root / layout.LISTS).glob("*/versions.json"))
        return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)

    def get(self) -> Snapshot:
        now = time.monotonic()
        if self._snapshot is not None and now - self._checked < 1.0:
            return self._snapshot
        with self._lock:
            stamp = self._stamp()
            self._checked = now
            if self._snapshot is None or self._snapshot.stamp != stamp:
                self._snapshot = self._load(stamp)
            return self._snapshot

    def _load(self, stamp: tuple[float, ...]) -> Snapshot:
        store = Store.open(self.root)
        view = load_view(store)
        risk = {int(r["mmsi"]): r for r in _risk(store, view).to_pylist()}
        lists = Lists(store)
        versions = lists.current()
        screener = Screener(lists.entries(versions)) if versions else None
        return Snapshot(view, EventIndex.build(view.events, store), risk, screener, stamp)


def speed_class(sog: float | None) -> int:
    return 0 if sog is None else int(np.searchsorted(SPEED_CLASSES, sog, side="right"))


def _risk(store: Store, view: StoreView) -> pa.Table:
    """The risk table the pipeline wrote; a store detected before the pipeline kept risk is scored in
    memory (and not written: a read never writes)."""
    table = store.read(layout.RISK)
    return score_all(view) if table is None else table


def track(
    store: Store, mmsi: int, since: datetime | None, until: datetime | None
) -> list[tuple[float, float, float, float | None]]:
    """(lon, lat, epoch s, sog kn) of a vessel in a window, in time order."""
    return [(p.lon, p.lat, p.epoch_s, p.sog_kn) for p in queries.track(store, mmsi, since, until)]


def simplified_segments(points: list[tuple[float, float, float, float | None]], zoom: float) -> list[dict[str, Any]]:
    """The track as line features of one speed class each, simplified to about a pixel at `zoom`."""
    if len(points) < 2:
        return []
    tolerance = 360.0 / (256 * 2**zoom)
    features, run = [], [points[0]]
    for p in points[1:]:
        if speed_class(p[3]) != speed_class(run[-1][3]) and len(run) > 1:
            features.append(_segment(run, tolerance))
            run = [run[-1]]
        run.append(p)
    features.append(_segment(run, tolerance))
    return features


def _segment(run: list[tuple[float, float, float, float | None]], tolerance: float) -> dict[str, Any]:
    line = shapely.simplify(shapely.LineString([(p[0], p[1]) for p in run]), tolerance)
    speeds = [p[3] for p in run if p[3] is not None]
    return {
        "type": "Feature",
        "geometry": mapping(line),
        "properties": {
            "speed_class": speed_class(run[-1][3]),
            "sog_kn": round(float(np.median(speeds)), 1) if speeds else None,
            "start": datetime.fromtimestamp(run[0][2], UTC).isoformat(),
        },
    }
