"""Events as detectors emit them: deterministic ids, readable reasons, evidence down to the raw line."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa

from shadowfleet.core.schema import EVENTS, check

_US_PER_H = 3_600_000_000


def event_id(event_type: str, mmsi: int, other_mmsi: int | None, start_us: int) -> str:
    """Same type, vessels and start -> same id, so a rerun replaces an event instead of adding one."""
    key = f"{event_type}|{mmsi}|{other_mmsi if other_mmsi is not None else ''}|{start_us}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass
class Config:
    """Detector parameters: the bundled defaults, overridden key by key by a user's TOML file."""

    sections: dict[str, dict[str, Any]]
    zone_files: tuple[Path, ...] = ()  # GeoJSON files of extra zones for zone_visit

    @classmethod
    def load(cls, override: Path | None = None, zone_files: tuple[Path, ...] = ()) -> Config:
        text = resources.files("shadowfleet.reference").joinpath("detect_defaults.toml").read_text(encoding="utf-8")
        sections = tomllib.loads(text)
        if override is not None:
            for name, values in tomllib.loads(override.read_text(encoding="utf-8")).items():
                if name not in sections or not isinstance(values, dict):
                    raise ValueError(f"{override}: unknown detector section [{name}]")
                unknown = set(values) - set(sections[name])
                if unknown:
                    raise ValueError(f"{override}: [{name}] has no parameter {', '.join(sorted(unknown))}")
                sections[name].update(values)
        return cls(sections, zone_files)

    def number(self, section: str, key: str) -> float:
        return float(self.sections[section][key])

    def text(self, section: str, key: str) -> str:
        return str(self.sections[section][key])

    def hotspot(self, lat: float, lon: float) -> str | None:
        """The STS hot spot (reference.md §2) a position lies in, if any."""
        for name, (lat_min, lat_max, lon_min, lon_max) in self.sections["hotspots"].items():
            if lat_min <= lat <= lat_max and lon_min <= lon <= lon_max:
                return str(name)
        return None


@dataclass
class EventBuilder:
    """Collects events one by one (events are few; positions are many and never pass through here)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        event_type: str,
        mmsi: int,
        start_us: int,
        end_us: int,
        *,
        lat: float | None,
        lon: float | None,
        score: float,
        reason: str,
        details: dict[str, Any],
        refs: list[tuple[str, int]],
        version: str,
        other_mmsi: int | None = None,
        distance_m: float | None = None,
    ) -> None:
        sources = sorted({s for s, _ in refs})
        index = {s: i for i, s in enumerate(sources)}
        self.rows.append(
            {
                "event_id": event_id(event_type, mmsi, other_mmsi, start_us),
                "event_type": event_type,
                "mmsi": mmsi,
                "other_mmsi": other_mmsi,
                "start_time": start_us,
                "end_time": end_us,
                "lat": lat,
                "lon": lon,
                "duration_h": (end_us - start_us) / _US_PER_H,
                "distance_m": distance_m,
                "score": round(min(max(score, 0.0), 1.0), 3),
                "reason": reason,
                "details": json.dumps(details, sort_keys=True, default=float),
                "evidence": {
                    "positions": len(refs),
                    "sources": sources,
                    "refs": [{"source": index[s], "line": line} for s, line in refs],
                },
                "detector_version": version,
            }
        )

    def table(self) -> pa.Table:
        schema = EVENTS.schema
        columns = {}
        for f in schema:
            values = [r.get(f.name) for r in self.rows]
            arrow_type = pa.int64() if f.name in ("start_time", "end_time") else f.type
            columns[f.name] = pa.array(values, arrow_type)
            if f.name in ("start_time", "end_time"):
                columns[f.name] = columns[f.name].cast(f.type)
        return check(pa.table(columns), EVENTS)
