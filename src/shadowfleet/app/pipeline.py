"""detect -> screen -> score -> alerts, composed once.

Data flows one way: the detectors read the store's tracks, screening tells the events who is listed, the
store keeps events and matches, risk scores every vessel from what the store then holds, and alerts are
raised from that risk. Every write goes through the store (atomic, under its lock). Readers (`risk`,
`alerts` listings, the API) read what this last wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pyarrow as pa

from shadowfleet.detect.events import Config
from shadowfleet.detect.runner import Window
from shadowfleet.detect.runner import run as run_duckdb
from shadowfleet.risk import alerts as alert_store
from shadowfleet.risk.alerts import Alert
from shadowfleet.risk.scorer import score_all
from shadowfleet.risk.view import StoreView, load_view
from shadowfleet.screening.fleet import screen_events
from shadowfleet.store import layout
from shadowfleet.store.store import Store

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")


@dataclass(frozen=True)
class Detected:
    events: pa.Table  # this run's events, each told which of its parties is listed
    in_store: int  # events the store holds after the upsert
    matches: pa.Table | None  # every vessel's list matches; None when no list is loaded


@dataclass(frozen=True)
class Scored:
    view: StoreView  # what risk was computed from
    risk: pa.Table  # every vessel with a risk_score above 0, riskiest first
    alerts: list[Alert]  # every alert, riskiest first


def detect(store: Store, settings: Config, window: Window, engine: Engine = "duckdb") -> Detected:
    """Detect events, screen every vessel of the store, and keep both in the store."""
    if engine == "spark":
        from shadowfleet.detect.spark_runner import run_spark

        found = run_spark(store, settings, window)
    else:
        found = run_duckdb(store, settings, window)
    events, matches = screen_events(store, found)
    return Detected(events, store.upsert_events(events, window.covers), matches)


def score(store: Store, now: datetime | None = None) -> Scored:
    """Risk of every vessel from the stored events and matches, and the alerts it raises, both kept in the
    store. Under the lock, so the risk and the alerts rest on the same events."""
    with store.lock():
        view = load_view(store)
        risk = score_all(view)
        store.write(layout.RISK, risk)
        alerts = alert_store.refresh(store, risk, view.matches, now or alert_store.utc_now())
    return Scored(view, risk, alerts)


def run(
    store: Store, settings: Config, window: Window, engine: Engine = "duckdb", now: datetime | None = None
) -> tuple[Detected, Scored]:
    """The whole pipeline after ingest: events, matches, risk and alerts."""
    detected = detect(store, settings, window, engine)
    return detected, score(store, now)
