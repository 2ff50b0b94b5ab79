"""The embedded store: Parquet datasets partitioned by UTC date, committed all-or-nothing.

Layout under the store directory::

    manifest.json                       sources ingested (sha256, counts, time span), batches
    positions/date=YYYY-MM-DD/*.parquet canonical positions, sorted by (mmsi, ts) per row group
    static/date=YYYY-MM-DD/*.parquet    canonical static/voyage rows
    rejects/*.parquet                   every rejected input record with file, line, reason, raw text

An ingest writes into `.staging/<batch>/`, then commits: it writes a journal naming every file
to move and the new manifest, moves the files, writes the manifest, deletes the journal. Opening
the store finishes a commit whose journal exists and discards staging without one, so an ingest
killed at any moment leaves the store as it was before or after it, never in between.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from shadowfleet.core.schema import POSITIONS, REJECTS, STATIC, Table, check
from shadowfleet.store.keys import KeyIndex, row_hashes
from shadowfleet.store.manifest import Manifest, SourceEntry, fsync_dir, write_atomic

JOURNAL = ".journal.json"
STAGING = ".staging"
DATA_TABLES = (POSITIONS, STATIC)
_US_PER_DAY = 86_400_000_000


class StoreError(Exception):
    """A one-line problem with the store directory."""


def crash_point(name: str) -> None:
    """Test hook: die here, as a kill would, when SHADOWFLEET_CRASH_AT names this point."""
    if os.environ.get("SHADOWFLEET_CRASH_AT") == name:
        os._exit(137)


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def open(cls, root: Path, create: bool = False) -> Store:
        if not (root / "manifest.json").exists():
            if not create:
                raise StoreError(f"{root}: not a shadowfleet store (no manifest.json); run `shadowfleet ingest` first")
            if root.exists() and any(p for p in root.iterdir() if not p.name.startswith(".")):
                raise StoreError(f"{root}: exists and is not an empty directory or a shadowfleet store")
            root.mkdir(parents=True, exist_ok=True)
            write_atomic(root / "manifest.json", Manifest().to_json())
        store = cls(root)
        if (root / JOURNAL).exists() or (root / STAGING).exists():
            with store.lock():  # waits for a running ingest, whose staging is not debris
                store.recover()
        return store

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time; a second ingest waits for the first."""
        with (self.root / ".lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def manifest(self) -> Manifest:
        try:
            return Manifest.from_json(json.loads((self.root / "manifest.json").read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.root}/manifest.json: unreadable ({exc})") from exc

    def recover(self) -> None:
        """Finish a journaled commit; forget uncommitted staging."""
        journal = self.root / JOURNAL
        if journal.exists():
            plan = json.loads(journal.read_text(encoding="utf-8"))
            _apply_moves(self.root, plan["moves"])
            write_atomic(self.root / "manifest.json", plan["manifest"])
            journal.unlink()
        shutil.rmtree(self.root / STAGING, ignore_errors=True)

    def files(self, spec: Table, date: str | None = None) -> list[Path]:
        if not spec.partitioned_by_date:
            return sorted((self.root / spec.name).glob("*.parquet"))
        pattern = f"date={date}/*.parquet" if date else "date=*/*.parquet"
        return sorted((self.root / spec.name).glob(pattern))

    def glob(self, spec: Table) -> str:
        """A DuckDB/Polars glob over the committed files of a table."""
        return str(self.root / spec.name / ("date=*/*.parquet" if spec.partitioned_by_date else "*.parquet"))

    def committed_keys(self, spec: Table, date: str) -> pa.Table | None:
        files = self.files(spec, date)
        if not files:
            return None
        return pa.concat_tables([pq.read_table(f, columns=list(spec.key)) for f in files])

    def reject_keys(self, sha256: str) -> set[tuple[int, str]]:
        """(line, reason) of the rejects already kept for a file with this content."""
        files = self.files(REJECTS)
        if not files:
            return set()
        table = ds.dataset([str(f) for f in files], format="parquet").to_table(
            columns=["line", "reason"], filter=ds.field("source_sha256") == sha256
        )
        return set(zip(table.column("line").to_pylist(), table.column("reason").to_pylist(), strict=True))


class Batch:
    """One ingest's writes: staged, de-duplicated against the store, committed at once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.staging = store.root / STAGING / self.id
        self.keys = {spec.name: KeyIndex(spec, partial(store.committed_keys, spec)) for spec in DATA_TABLES}
        self.writers: dict[tuple[str, str], pq.ParquetWriter] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self.pending: list[Future[None]] = []
        self.staged: list[str] = []
        self.manifest = store.manifest()
        self.ingested_at = datetime.now(UTC)

    def add(self, spec: Table, table: pa.Table, weight: np.ndarray) -> tuple[int, int]:
        """Stage the rows not yet held; returns (rows kept, record weight of the duplicates)."""
        table = check(table, spec)
        if table.num_rows == 0:
            return 0, 0
        day = pc.divide(pc.cast(table.column("ts"), pa.int64()), _US_PER_DAY).to_numpy()
        hashes = row_hashes(table, spec)
        keep = np.zeros(table.num_rows, dtype=bool)
        for d in np.unique(day):
            rows = np.flatnonzero(day == d)
            date = str(np.datetime64(int(d), "D"))
            keep[rows] = self.keys[spec.name].new_mask(date, hashes[rows])
        self._in_background(self._write, spec, table.filter(pa.array(keep)), day[keep])
        return int(keep.sum()), int(weight[~keep].sum())

    def _write(self, spec: Table, kept: pa.Table, kept_day: np.ndarray) -> None:
        for d in np.unique(kept_day):
            part = kept.filter(pa.array(kept_day == d)).sort_by([("mmsi", "ascending"), ("ts", "ascending")])
            self._writer(spec, str(np.datetime64(int(d), "D")), part.schema).write_table(part)

    def _in_background(self, work: Callable[..., None], *args: object) -> None:
        """Sorting, compressing and writing overlap with reading the next block (Arrow releases the
        GIL); one writer thread keeps the order, and at most two blocks wait, to bound memory."""
        if len(self.pending) >= 2:
            self.pending.pop(0).result()
        self.pending.append(self.executor.submit(work, *args))

    def _drain(self) -> None:
        while self.pending:
            self.pending.pop(0).result()

    def add_rejects(self, table: pa.Table) -> None:
        if table.num_rows:
            path = self._path(REJECTS, None)
            self._in_background(partial(pq.write_table, compression="zstd"), check(table, REJECTS), path)

    def stage_file(self, relative: str) -> tuple[Path, Path]:
        """Somewhere to write a file that the commit moves to `relative`: (staging path, final path)."""
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self.staged.append(relative)
        return path, self.store.root / relative

    def _path(self, spec: Table, date: str | None) -> Path:
        part = f"date={date}/" if date else ""
        relative = f"{spec.name}/{part}part-{self.id}-{len(self.staged):05d}.parquet"
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self.staged.append(relative)
        return path

    def _writer(self, spec: Table, date: str, schema: pa.Schema) -> pq.ParquetWriter:
        writer = self.writers.get((spec.name, date))
        if writer is None:
            writer = pq.ParquetWriter(self._path(spec, date), schema, compression="zstd")
            self.writers[(spec.name, date)] = writer
        return writer

    def record_source(self, entry: SourceEntry) -> None:
        self.manifest.record(entry)

    def commit(self) -> int:
        """Make everything staged visible at once; returns the number of files committed."""
        self._drain()
        self.executor.shutdown()
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()
        crash_point("staged")
        for relative in self.staged:
            _fsync_file(self.staging / relative)
        self.manifest.batches.append({"id": self.id, "at": self.ingested_at.isoformat(), "files": len(self.staged)})
        moves = [[f"{STAGING}/{self.id}/{r}", r] for r in self.staged]
        manifest = self.manifest.to_json()
        write_atomic(self.store.root / JOURNAL, {"batch": self.id, "moves": moves, "manifest": manifest})
        crash_point("journal")
        _apply_moves(self.store.root, moves)
        crash_point("moved")
        write_atomic(self.store.root / "manifest.json", manifest)
        crash_point("manifest")
        (self.store.root / JOURNAL).unlink()
        shutil.rmtree(self.staging, ignore_errors=True)
        return len(self.staged)

    def abort(self) -> None:
        self.executor.shutdown(cancel_futures=True)
        for writer in self.writers.values():
            writer.close()
        shutil.rmtree(self.staging, ignore_errors=True)


def _apply_moves(root: Path, moves: list[list[str]]) -> None:
    """Move staged files into place; idempotent, so a recovery may run it again."""
    parents = set()
    for index, (src, dst) in enumerate(moves):
        source, target = root / src, root / dst
        if source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            parents.add(target.parent)
        if index == 0:
            crash_point("first_move")
    for parent in parents:
        fsync_dir(parent)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())
