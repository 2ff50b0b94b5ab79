"""The embedded store: Parquet datasets partitioned by UTC date, committed all-or-nothing.

Layout under the store directory::

    manifest.json                       sources ingested (sha256, counts, time span), batches
    positions/date=YYYY-MM-DD/*.parquet canonical positions, sorted by (mmsi, ts) per row group
    static/date=YYYY-MM-DD/*.parquet    canonical static/voyage rows
    rejects/*.parquet                   every rejected input record with file, line, reason, raw text

    events/, screening/, risk/, alerts/ the derived tables (`store.layout`), rewritten whole under the lock

An ingest writes into `.staging/<batch>/`, then commits: it writes a journal naming every file
to move and the new manifest, moves the files, writes the manifest, deletes the journal. A killed
ingest leaves the store as it was before or after it, never in between: the next writer (and a
reader that finds a journal and no writer) finishes a journaled commit, and the next writer discards
staging without one.

Readers never wait for a writer: opening takes no lock unless a journal is left by a dead writer,
and a reader sees only the files of the batches its manifest names (`files`, `committed`, `scan`: the
only read paths), so a commit in progress is invisible until its manifest is in place.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from shadowfleet.core.schema import EVENTS, POSITIONS, REJECTS, STATIC, Table, check
from shadowfleet.store import layout
from shadowfleet.store.keys import KeyIndex, row_hashes
from shadowfleet.store.manifest import Manifest, SourceEntry, fsync_dir, write_atomic, write_table_atomic

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
        if not (root / layout.MANIFEST).exists():
            if not create:
                raise StoreError(f"{root}: not a shadowfleet store (no manifest.json); run `shadowfleet ingest` first")
            if root.exists() and any(p for p in root.iterdir() if not p.name.startswith(".")):
                raise StoreError(f"{root}: exists and is not an empty directory or a shadowfleet store")
            root.mkdir(parents=True, exist_ok=True)
            write_atomic(root / layout.MANIFEST, Manifest().to_json())
        store = cls(root)
        if (root / JOURNAL).exists():
            store._recover_if_no_writer()
        return store

    def _recover_if_no_writer(self) -> None:
        """A journal and a free lock: a writer died mid-commit, so finish its commit. A held lock is a live
        writer, which finishes its own commit (or, if it is a new one, recovers first): do not wait for it."""
        with (self.root / ".lock").open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            try:
                self.recover()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time; a second writer waits for the first. Re-entrant within a process, so the
        pipeline can hold it over several writes. The writer that takes it first clears what a dead writer
        left: a journaled commit is finished, staging without a journal is discarded."""
        guard = _guard(self.root)
        with guard.mutex:
            if guard.depth:
                guard.depth += 1
                try:
                    yield
                finally:
                    guard.depth -= 1
                return
            with (self.root / ".lock").open("a") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                guard.depth = 1
                try:
                    self.recover()
                    yield
                finally:
                    guard.depth = 0
                    fcntl.flock(fh, fcntl.LOCK_UN)

    def manifest(self) -> Manifest:
        try:
            return Manifest.from_json(json.loads((self.root / layout.MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.root}/manifest.json: unreadable ({exc})") from exc

    def recover(self) -> None:
        """Finish a journaled commit; forget uncommitted staging."""
        journal = self.root / JOURNAL
        if journal.exists():
            plan = json.loads(journal.read_text(encoding="utf-8"))
            _apply_moves(self.root, plan["moves"])
            write_atomic(self.root / layout.MANIFEST, plan["manifest"])
            journal.unlink()
        shutil.rmtree(self.root / STAGING, ignore_errors=True)

    def files(self, spec: Table, date: str | None = None) -> list[Path]:
        """The committed files of an ingested table: those of the batches the manifest names (a batch being
        moved into place is not yet committed)."""
        if not spec.partitioned_by_date:
            found = sorted((self.root / spec.name).glob("*.parquet"))
        else:
            pattern = f"date={date}/*.parquet" if date else "date=*/*.parquet"
            found = sorted((self.root / spec.name).glob(pattern))
        if not found:
            return found
        committed = {str(b.get("id")) for b in self.manifest().batches}
        return [f for f in found if _batch_of(f) in committed or _batch_of(f) is None]

    def committed(self, spec: Table) -> list[str]:
        """`files` as strings, for an engine that takes a list of paths (Spark: `read.parquet(*...)`)."""
        return [str(f) for f in self.files(spec)]

    def scan(self, spec: Table) -> str:
        """The committed files of an ingested table as a DuckDB table expression (`FROM {store.scan(spec)}`).
        SQL reads the store only through this (or `committed`), so a batch being moved into place stays
        invisible; with nothing committed it is an empty relation of the table's columns."""
        files = self.committed(spec)
        if files:
            return f"read_parquet([{', '.join(sql_text(f) for f in files)}])"
        nulls = ", ".join(f"NULL::{_duckdb_type(c.type)} AS {c.name}" for c in spec.columns)
        return f"(SELECT {nulls} WHERE FALSE)"

    def shown(self, path: str) -> str:
        """What a viewer sees of a path on this machine (a source file, a list entry's `file:line`): relative
        to the store inside it, else the file name alone (an archive member keeps its `::member`). The path
        itself stays in the store and its manifest, with the file's sha256, for whoever runs the server."""
        return shown_path(path, str(self.root))

    def path(self, relative: str) -> Path:
        """A path inside the store, from `store.layout`."""
        return self.root / relative

    def read(self, table: layout.Derived) -> pa.Table | None:
        """A derived table as last written, checked against its schema; None before the first write."""
        path = self.root / table.relative
        if not path.exists():
            return None
        found = pq.read_table(path)
        if table.renamed:
            found = found.rename_columns([table.renamed.get(n, n) for n in found.column_names])
        return check(found, table.spec)

    def write(self, table: layout.Derived, rows: pa.Table) -> None:
        """Replace a derived table, atomically and under the store lock."""
        checked = check(rows, table.spec)
        with self.lock():
            write_table_atomic(checked, self.root / table.relative)

    def upsert_events(self, events: pa.Table, superseded: Superseded | None = None) -> int:
        """Keep a detect run's events: they replace the stored events with the same id and those the run
        `superseded` (its window: it would have found them again), the rest stay. Returns the number of
        events the store then holds."""
        with self.lock():
            merged = upsert(check(events, EVENTS), self.read(layout.EVENTS), superseded)
            write_table_atomic(merged, self.root / layout.EVENTS.relative)
        return int(merged.num_rows)

    def append_decision(self, entry: dict[str, object]) -> None:
        """Append one analyst decision to the log; it is never rewritten."""
        with self.lock():
            log = self.root / layout.DECISIONS
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")
                fh.flush()
                os.fsync(fh.fileno())

    def decisions(self) -> list[dict[str, object]]:
        log = self.root / layout.DECISIONS
        if not log.exists():
            return []
        lines = log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

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
        lines, reasons = table.column("line").to_pylist(), table.column("reason").to_pylist()
        return {(n, str(r)) for n, r in zip(lines, reasons, strict=True) if isinstance(n, int)}  # required columns


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
        write_atomic(self.store.root / layout.MANIFEST, manifest)
        crash_point("manifest")
        (self.store.root / JOURNAL).unlink()
        self._clear_staging()
        return len(self.staged)

    def abort(self) -> None:
        self.executor.shutdown(cancel_futures=True)
        for writer in self.writers.values():
            writer.close()
        self._clear_staging()

    def _clear_staging(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        with suppress(OSError):  # not empty: another batch of this writer is still staging
            self.staging.parent.rmdir()


# which of the earlier events a new run supersedes (a mask over their rows)
Superseded = Callable[[pa.Table], np.ndarray]


def upsert(events: pa.Table, old: pa.Table | None, superseded: Superseded | None = None) -> pa.Table:
    """`events` plus those of `old` that they do not replace (same event id, or `superseded` by the run
    that found them), in time order."""
    if old is None:
        return events
    replaced = pc.is_in(old.column("event_id"), value_set=events.column("event_id")).to_numpy(zero_copy_only=False)
    if superseded is not None:
        replaced = replaced | superseded(old)
    return pa.concat_tables([old.filter(pa.array(~replaced)), events]).sort_by(
        [("start_time", "ascending"), ("event_id", "ascending")]
    )


@dataclass
class _Guard:
    mutex: threading.RLock = field(default_factory=threading.RLock)
    depth: int = 0


_GUARDS: dict[str, _Guard] = {}
_GUARDS_LOCK = threading.Lock()


def _guard(root: Path) -> _Guard:
    """The in-process side of the writer lock: one per store directory (flock alone would make a thread
    that already holds the lock wait for itself)."""
    key = str(root.resolve())
    with _GUARDS_LOCK:
        return _GUARDS.setdefault(key, _Guard())


@lru_cache(maxsize=1 << 16)
def shown_path(path: str, store_root: str) -> str:
    """`Store.shown`, cached: the API shows the sources of every event of a store."""
    file, sep, member = path.partition("::")
    candidate = Path(file)
    try:
        shown = str(candidate.resolve().relative_to(Path(store_root).resolve()))
    except (ValueError, OSError):
        shown = candidate.name
    return shown + sep + member


def sql_text(text: str) -> str:
    """A SQL string literal of any text (a path with a quote in it stays one literal)."""
    return "'" + text.replace("'", "''") + "'"


_DUCKDB_TYPES = {
    pa.int8(): "TINYINT",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float32(): "FLOAT",
    pa.float64(): "DOUBLE",
    pa.string(): "VARCHAR",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def _duckdb_type(kind: pa.DataType) -> str:
    """The DuckDB type a Parquet column of this Arrow type reads as (the ingested tables' types only)."""
    if pa.types.is_timestamp(kind):
        return "TIMESTAMPTZ"
    if pa.types.is_list(kind):
        return _duckdb_type(kind.value_type) + "[]"
    if kind in _DUCKDB_TYPES:
        return _DUCKDB_TYPES[kind]
    raise StoreError(f"no DuckDB type for {kind}")


def _batch_of(path: Path) -> str | None:
    """The batch id in a committed file's name (`part-<batch>-<n>.parquet`); None for other names."""
    if not path.name.startswith("part-"):
        return None
    return path.name.removeprefix("part-").rsplit("-", 1)[0]


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
