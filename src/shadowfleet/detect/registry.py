"""Every detector, declared once: its name (= its TOML section), its event type, its typed parameters
and a pure function from a partition's tracks and static rows to events.

A detector module declares `DETECTORS = (Detector(...), ...)`; `detectors()` finds them all in the
`shadowfleet.detect` package, so adding a detector means its module, its section of
`reference/detect_defaults.toml` and its test, nothing else. Runners never name a detector.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, Generic

import polars as pl

from shadowfleet.core.events import EventType
from shadowfleet.core.geo import Steps, steps
from shadowfleet.detect.coverage import Coverage
from shadowfleet.detect.events import Config, EventBuilder, P
from shadowfleet.detect.reception import Reception


class Scope(StrEnum):
    VESSELS = "vessels"  # one vessel at a time: run on each vessel partition (whole tracks)
    PAIRS = "pairs"  # vessels together: run on time chunks of all vessels (see detect/plan.py)


@dataclass
class Partition:
    """What a vessel detector sees: one partition's fixes (sorted by mmsi, time, line: columns of
    `runner.TRACK_FRAME`), its static rows (`runner.STATIC_FRAME`), when the store was recording, the
    run's configuration, the store-wide reception map (who was heard where and when, built once per run;
    None: the detectors build one from these tracks), and the events the detectors it `needs` found here."""

    tracks: pl.DataFrame
    static: pl.DataFrame
    coverage: Coverage
    config: Config
    reception: Reception | None = None
    found: EventBuilder = field(default_factory=EventBuilder)
    _moves: Steps | None = None

    def moves(self) -> Steps:
        """Metres and knots of every step (computed once, shared by the detectors that need them)."""
        if self._moves is None:
            t = self.tracks
            self._moves = steps(t["lat"].to_numpy(), t["lon"].to_numpy(), t["ts"].to_numpy(), t["mmsi"].to_numpy())
        return self._moves

    def events_of(self, event_type: EventType) -> list[dict[str, Any]]:
        return [r for r in self.found.rows if r["event_type"] == event_type]


Detect = Callable[[Partition, P, EventBuilder], None]


@dataclass(frozen=True)
class Detector(Generic[P]):
    event_type: EventType
    params: type[P]
    detect: Detect[P] | None  # None for a PAIRS detector: its runner-side driver lives in its module
    scope: Scope = Scope.VESSELS
    needs: tuple[EventType, ...] = ()  # types of events (from other detectors) it reads in `Partition.found`

    @property
    def name(self) -> str:
        """Its section in detect_defaults.toml."""
        return self.event_type.value

    def parameters(self, config: Config) -> P:
        return config.params(self.params, self.name)

    def run(self, part: Partition, config: Config, out: EventBuilder) -> None:
        if self.detect is not None:
            self.detect(part, self.parameters(config), out)


@cache
def detectors() -> tuple[Detector[Any], ...]:
    """All declared detectors, each after the ones whose events it needs."""
    import shadowfleet.detect as package

    found: list[Detector[Any]] = []
    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
        declared = getattr(importlib.import_module(f"{package.__name__}.{module}"), "DETECTORS", ())
        found += [d for d in declared if isinstance(d, Detector)]
    return _ordered(found)


def vessel_detectors() -> tuple[Detector[Any], ...]:
    return tuple(d for d in detectors() if d.scope is Scope.VESSELS)


def detector(event_type: EventType) -> Detector[Any]:
    return next(d for d in detectors() if d.event_type is event_type)


def _ordered(found: list[Detector[Any]]) -> tuple[Detector[Any], ...]:
    done: list[Detector[Any]] = []
    pending = list(found)
    while pending:
        ready = [d for d in pending if all(n in {x.event_type for x in done} for n in d.needs)]
        if not ready:
            raise ValueError(f"detectors with unmet needs: {[d.name for d in pending]}")
        done += ready
        pending = [d for d in pending if d not in ready]
    return tuple(done)
