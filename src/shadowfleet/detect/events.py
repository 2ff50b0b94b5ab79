"""Events as detectors emit them: deterministic ids, readable reasons, evidence down to the raw line."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Self, TypeVar

import pyarrow as pa

from shadowfleet.core.events import Details, EventType
from shadowfleet.core.schema import EVENTS, check

_US_PER_H = 3_600_000_000


def event_id(event_type: EventType | str, mmsi: int, other_mmsi: int | None, start_us: int) -> str:
    """Same type, vessels and start -> same id, so a rerun replaces an event instead of adding one."""
    key = f"{EventType(event_type).value}|{mmsi}|{other_mmsi if other_mmsi is not None else ''}|{start_us}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


TOML_NAME = "detect_defaults.toml"


def _bundled_text() -> str:
    return resources.files("shadowfleet.reference").joinpath(TOML_NAME).read_text(encoding="utf-8")


@dataclass
class Config:
    """Detector parameters: the bundled defaults, overridden key by key by a user's TOML file."""

    sections: dict[str, dict[str, Any]]
    zone_files: tuple[Path, ...] = ()  # GeoJSON files of extra zones for zone_visit
    anchorage_files: tuple[Path, ...] = ()  # a user's own anchorages (GeoJSON or CSV)

    @classmethod
    def load(
        cls, override: Path | None = None, zone_files: tuple[Path, ...] = (), anchorage_files: tuple[Path, ...] = ()
    ) -> Config:
        sections = tomllib.loads(_bundled_text())
        if override is not None:
            for name, values in tomllib.loads(override.read_text(encoding="utf-8")).items():
                if name not in sections or not isinstance(values, dict):
                    raise ValueError(f"{override}: unknown detector section [{name}]")
                unknown = set(values) - set(sections[name])
                if unknown:
                    raise ValueError(f"{override}: [{name}] has no parameter {', '.join(sorted(unknown))}")
                sections[name].update(values)
        return cls(sections, zone_files, anchorage_files)

    def params(self, kind: type[P], section: str) -> P:
        """The typed parameters of one section."""
        return kind.of(section, self.sections[section])

    def hotspot(self, lat: float, lon: float) -> str | None:
        """The STS hot spot (reference.md §2) a position lies in, if any."""
        for name, (lat_min, lat_max, lon_min, lon_max) in self.sections["hotspots"].items():
            if lat_min <= lat <= lat_max and lon_min <= lon <= lon_max:
                return str(name)
        return None


@dataclass(frozen=True)
class Params:
    """A detector's parameters: one frozen dataclass per TOML section, every key typed and required."""

    version: str

    @classmethod
    def of(cls, section: str, values: dict[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cls)}
        missing, unknown = names - set(values), set(values) - names
        if missing or unknown:
            raise ValueError(f"[{section}]: missing {sorted(missing)}, unknown {sorted(unknown)}")
        hints = typing.get_type_hints(cls)
        return cls(**{k: hints[k](v) for k, v in values.items()})

    @classmethod
    def sources(cls, section: str) -> dict[str, str]:
        """Where each default comes from: the comment after it in the bundled TOML."""
        return sources_of(_bundled_text()).get(section, {})


P = TypeVar("P", bound=Params)


def sources_of(text: str) -> dict[str, dict[str, str]]:
    """The comment after each `key = value` line, by section (TOML parsers drop comments)."""
    found: dict[str, dict[str, str]] = {}
    section = ""
    for line in text.splitlines():
        head = re.match(r"^\[([A-Za-z0-9_]+)\]", line)
        if head:
            section = head.group(1)
            continue
        entry = re.match(r"^([A-Za-z0-9_]+)\s*=\s*(?:\"[^\"]*\"|[^#]*?)\s*(?:#\s*(.*))?$", line)
        if entry and section:
            found.setdefault(section, {})[entry.group(1)] = (entry.group(2) or "").strip()
    return found


@dataclass
class EventBuilder:
    """Collects events one by one (events are few; positions are many and never pass through here)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        details: Details,
        mmsi: int,
        start_us: int,
        end_us: int,
        *,
        lat: float | None,
        lon: float | None,
        score: float,
        reason: str,
        refs: list[tuple[str, int]],
        version: str,
        other_mmsi: int | None = None,
        distance_m: float | None = None,
    ) -> None:
        event_type = details.event_type
        sources = sorted({s for s, _ in refs})
        index = {s: i for i, s in enumerate(sources)}
        self.rows.append(
            {
                "event_id": event_id(event_type, mmsi, other_mmsi, start_us),
                "event_type": event_type.value,
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
                "details": details.to_json(),
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
