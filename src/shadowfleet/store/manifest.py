"""The store's manifest: every source ever ingested, with its hash, counts and time span."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

FORMAT = "shadowfleet-store"
VERSION = 1


@dataclass
class SourceEntry:
    sha256: str
    paths: list[str]
    format: str
    size_bytes: int
    first_ingested: str
    last_ingested: str
    ingests: int
    read: int
    accepted: int
    duplicates: int
    rejected: int
    positions: int
    static: int
    first_ts: str | None
    last_ts: str | None


@dataclass
class Manifest:
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    batches: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "sources": [asdict(s) for s in self.sources.values()],
            "batches": self.batches,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise ValueError("not a shadowfleet store manifest")
        sources = {s["sha256"]: SourceEntry(**s) for s in data.get("sources", [])}
        return cls(sources, list(data.get("batches", [])))

    def record(self, entry: SourceEntry) -> None:
        """Add a source, or fold a repeated ingest of the same bytes into its entry."""
        known = self.sources.get(entry.sha256)
        if known is None:
            self.sources[entry.sha256] = entry
            return
        for path in entry.paths:
            if path not in known.paths:
                known.paths.append(path)
        known.last_ingested = entry.last_ingested
        known.ingests += 1
        known.accepted += entry.accepted
        known.positions += entry.positions
        known.static += entry.static


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON so that a reader sees the old file or the new one, never a torn one."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_table_atomic(table: pa.Table, path: Path) -> None:
    """Write Parquet so that a reader sees the old file or the new one (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
