"""Sanctions lists kept in the store, one directory per list and one sub-directory per version.

An import writes a new version next to the old ones and then swaps the index in one rename, so a
reader sees the old list or the new one, never half of each. Older versions stay: "was this vessel
listed on date D" reads the version that was current on D.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from shadowfleet.core.schema import LIST_ENTRIES, REJECTS, check
from shadowfleet.screening.entries import to_table
from shadowfleet.screening.readers import ListFile, Problem
from shadowfleet.store import layout
from shadowfleet.store.manifest import fsync_dir, write_atomic
from shadowfleet.store.store import Store

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
INDEX = "versions.json"


@dataclass(frozen=True)
class Version:
    """One imported version of one list."""

    list_name: str
    version: str
    kind: str
    imported_at: str  # ISO-8601 UTC
    published: str | None  # the list's own date (file or --date); imports without one use the import day
    content_sha256: str
    sources: list[dict[str, Any]]  # path, sha256, bytes
    read: int
    entries: int
    rejected: int
    warnings: int

    @property
    def effective(self) -> date:
        return date.fromisoformat(self.published or self.imported_at[:10])


@dataclass(frozen=True)
class Imported:
    version: Version
    unchanged: bool  # same content as the current version: nothing written


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _problems_table(problems: list[Problem], now: datetime) -> pa.Table:
    rows = [{**asdict(p), "source_sha256": "", "ingested_at": now} for p in problems]
    return check(pa.Table.from_pylist(rows, schema=REJECTS.schema), REJECTS)


class Lists:
    """The lists of one store: `STORE/lists/<name>/<version>/`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.root = store.root / layout.LISTS

    def names(self) -> list[str]:
        return sorted(p.parent.name for p in self.root.glob(f"*/{INDEX}"))

    def versions(self, name: str) -> list[Version]:
        path = self.root / name / INDEX
        if not path.exists():
            return []
        return [Version(**v) for v in json.loads(path.read_text(encoding="utf-8"))["versions"]]

    def current(self, as_of: date | None = None) -> list[Version]:
        """For each list, the latest version in force on `as_of` (today when None)."""
        chosen = []
        for name in self.names():
            usable = [v for v in self.versions(name) if as_of is None or v.effective <= as_of]
            if usable:
                chosen.append(max(usable, key=lambda v: (v.effective, v.imported_at)))
        return chosen

    def entries(self, versions: list[Version]) -> pa.Table:
        tables = [pq.read_table(self.root / v.list_name / v.version / "entries.parquet") for v in versions]
        return check(pa.concat_tables(tables), LIST_ENTRIES) if tables else LIST_ENTRIES.schema.empty_table()

    def problems(self, version: Version) -> pa.Table:
        return pq.read_table(self.root / version.list_name / version.version / "problems.parquet")

    def add(self, read: ListFile, name: str | None = None, published: date | None = None) -> Imported:
        name = (name or read.default_name).lower()
        if not _NAME.match(name):
            raise ValueError(f"list name {name!r}: use lower-case letters, digits, '.', '_' or '-'")
        hashes = [_sha256(p) for p in read.sources]
        sources = [
            {"path": str(p.resolve()), "sha256": h, "bytes": p.stat().st_size}
            for p, h in zip(read.sources, hashes, strict=True)
        ]
        content = hashlib.sha256("".join(sorted(hashes)).encode()).hexdigest()
        stated = published or read.published
        with self.store.lock():
            old = self.versions(name)
            if old and old[-1].content_sha256 == content and old[-1].published == (stated and stated.isoformat()):
                return Imported(old[-1], unchanged=True)
            now = datetime.now(UTC)
            version = Version(
                name,
                f"{now:%Y%m%dT%H%M%S%fZ}-{content[:8]}",
                read.kind,
                now.isoformat(timespec="seconds"),
                stated.isoformat() if stated else None,
                content,
                sources,
                read.read,
                len(read.entries),
                len(read.rejected),
                len(read.warnings),
            )
            self._write(version, read, now)
            write_atomic(self.root / name / INDEX, {"versions": [asdict(v) for v in [*old, version]]})
        return Imported(version, unchanged=False)

    def _write(self, version: Version, read: ListFile, now: datetime) -> None:
        folder = self.root / version.list_name
        for debris in folder.glob(".tmp-*"):  # an import that died before its rename
            shutil.rmtree(debris, ignore_errors=True)
        tmp = folder / f".tmp-{version.version}"
        tmp.mkdir(parents=True)
        pq.write_table(to_table(read.entries, version.list_name, version.version), tmp / "entries.parquet")
        pq.write_table(_problems_table(read.rejected + read.warnings, now), tmp / "problems.parquet")
        os.rename(tmp, folder / version.version)
        fsync_dir(folder)
