"""Who met whom: vessels one and two encounters away from a listed vessel, with the events as the chain."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shadowfleet.core.events import EventType
from shadowfleet.screening.screener import DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Link:
    event_id: str
    a: int
    b: int
    start: str  # ISO-8601 UTC
    hours: float
    score: float


@dataclass(frozen=True)
class Reached:
    """A vessel `hops` encounters from `listed_mmsi`, through the chain of events in `path`."""

    mmsi: int
    hops: int
    listed_mmsi: int
    listed_as: str  # "list: entry name"
    via: tuple[int, ...]  # the vessels along the chain, listed vessel first
    path: tuple[Link, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "mmsi": self.mmsi,
            "hops": self.hops,
            "listed_mmsi": self.listed_mmsi,
            "listed_as": self.listed_as,
            "via": list(self.via),
            "events": [vars(link) for link in self.path],
        }


def _links(events: pa.Table) -> dict[int, list[Link]]:
    graph: dict[int, list[Link]] = defaultdict(list)
    for e in events.filter(pc.equal(events.column("event_type"), pa.scalar(EventType.ENCOUNTER.value))).to_pylist():
        link = Link(e["event_id"], e["mmsi"], e["other_mmsi"], e["start_time"].isoformat(), e["duration_h"], e["score"])
        graph[link.a].append(link)
        graph[link.b].append(link)
    return graph


def is_listed(match: dict[str, Any]) -> bool:
    """A match that makes a vessel "listed": at the screening threshold. A doctored IMO one digit from a
    listed one is reported (and scored by risk) but is not itself a listing."""
    return float(match["score"]) >= DEFAULT_THRESHOLD


def listed_vessels(matches: pa.Table) -> dict[int, str]:
    """MMSI -> "list: entry name" of its best match, from a `vessel_matches` table."""
    listed: dict[int, str] = {}
    for r in sorted(matches.to_pylist(), key=lambda r: r["score"]):
        if is_listed(r):
            listed[int(r["mmsi"])] = f"{r['list_name']}: {r['entry_name']}"
    return listed


def network(events: pa.Table, listed: dict[int, str], max_hops: int = 2) -> list[Reached]:
    """Breadth-first from every listed vessel; each vessel is reported at its fewest hops, once per listed
    vessel it leads back to."""
    graph = _links(events)
    found: list[Reached] = []
    for origin in sorted(listed):
        seen = {origin}
        frontier: list[tuple[int, tuple[int, ...], tuple[Link, ...]]] = [(origin, (origin,), ())]
        for hop in range(1, max_hops + 1):
            following = []
            for vessel, via, path in frontier:
                for link in sorted(graph.get(vessel, []), key=lambda k: k.start):
                    other = link.b if link.a == vessel else link.a
                    if other in seen:
                        continue
                    seen.add(other)
                    found.append(Reached(other, hop, origin, listed[origin], via, (*path, link)))
                    following.append((other, (*via, other), (*path, link)))
            frontier = following
    return sorted(found, key=lambda r: (r.hops, r.mmsi, r.listed_mmsi))
