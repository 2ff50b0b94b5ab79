"""`shadowfleet ingest`: every input file through its reader into one all-or-nothing store batch.

Accounting is per input record: read = accepted + duplicates + rejected, for every file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from shadowfleet.core.lines import LongLine
from shadowfleet.core.schema import POSITIONS, STATIC, Table
from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.csv_reader import read_csv
from shadowfleet.ingest.formats import sniff
from shadowfleet.ingest.gpkg_reader import read_gpkg
from shadowfleet.ingest.nmea_lines import NO_TS
from shadowfleet.ingest.nmea_reader import read_nmea
from shadowfleet.ingest.parquet_reader import read_parquet
from shadowfleet.ingest.plausible import iso_time, null_implausible_static, reject_implausible_times
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.sources import InputError, Opened, Source, expand, sha256_of
from shadowfleet.ingest.tables import Rows
from shadowfleet.store.manifest import SourceEntry
from shadowfleet.store.store import Batch, Store, StoreError

REJECT_FLUSH_ROWS = 100_000


@dataclass(frozen=True)
class IngestOptions:
    start_us: int = NO_TS
    columns: dict[str, str] | None = None
    time_format: str | None = None
    format: str = "auto"


class Progress(Protocol):
    def start(self, name: str, total_bytes: int) -> None: ...
    def update(self, done_bytes: int) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    def start(self, name: str, total_bytes: int) -> None:
        pass

    def update(self, done_bytes: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class FileReport:
    path: str
    size_bytes: int
    sha256: str | None = None
    format: str | None = None
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    positions: int = 0
    static: int = 0
    first_ts: str | None = None
    last_ts: str | None = None
    error: str | None = None


@dataclass
class IngestReport:
    store: str
    files: list[FileReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    @property
    def nothing_read(self) -> bool:
        return all(f.format is None for f in self.files)

    def to_json(self) -> dict[str, Any]:
        totals = {k: self.total(k) for k in ("read", "accepted", "duplicates", "rejected", "positions", "static")}
        return {
            **totals,
            "store": self.store,
            "files": [asdict(f) for f in self.files],
            "errors": self.errors,
        }


def ingest(
    paths: list[Path], store_dir: Path, options: IngestOptions, progress: Progress | None = None
) -> IngestReport:
    sources, errors = expand(paths)
    report = IngestReport(str(store_dir.resolve()), errors=errors)
    store = Store.open(store_dir, create=True)
    with store.lock():
        batch = Batch(store)
        try:
            for source in sources:
                file_report = _ingest_file(source, batch, options, progress or NoProgress())
                report.files.append(file_report)
                if file_report.error:
                    report.errors.append(file_report.error)
            batch.commit()
        except BaseException:
            batch.abort()
            raise
    return report


def _chunks(opened: Opened, fmt: str, options: IngestOptions) -> Iterator[Chunk]:
    name = opened.source.name
    if fmt == "nmea":
        return read_nmea(opened.line_blocks(), name, options.start_us)
    if fmt == "csv":
        return read_csv(opened, name, options.columns, options.time_format)
    if fmt == "gpkg":
        return read_gpkg(name, name, options.columns, options.time_format)
    return read_parquet(opened.source.open_raw(), name)


class FileIngest:
    """The running counts of one file and the rejects still to be written."""

    def __init__(self, report: FileReport, batch: Batch, known_rejects: set[tuple[int, str]]) -> None:
        self.report, self.batch, self.known_rejects = report, batch, known_rejects
        self.rejects = Rejects()
        self.span: list[pa.Scalar[Any]] = []

    def add(self, chunk: Chunk) -> None:
        r = self.report
        # the last check before the store, whatever the reader: no time outside the AIS era, no
        # static value no vessel can have (NaN, inf, a 900 m beam)
        positions = reject_implausible_times(chunk.positions, chunk.rejects)
        static = null_implausible_static(reject_implausible_times(chunk.static, chunk.rejects), chunk.rejects)
        r.duplicates += chunk.duplicates
        r.rejected += chunk.rejects.weight
        for spec, rows in ((POSITIONS, positions), (STATIC, static)):
            self._rows(spec, rows)
        self.rejects.extend(chunk.rejects)
        if len(self.rejects) >= REJECT_FLUSH_ROWS:
            self.flush()
        r.read = r.accepted + r.duplicates + r.rejected

    def _rows(self, spec: Table, rows: Rows) -> None:
        if not len(rows):
            return
        table = rows.table(spec)
        kept, duplicate_weight = self.batch.add(spec, table, rows.weight)
        self.report.accepted += int(rows.weight.sum()) - duplicate_weight
        self.report.duplicates += duplicate_weight
        setattr(self.report, spec.name, getattr(self.report, spec.name) + kept)
        bounds = pc.min_max(table.column("ts"))
        self.span += [bounds["min"], bounds["max"]]

    def flush(self) -> None:
        frame = self.rejects.frame()
        if self.known_rejects:
            known = pl.DataFrame(list(self.known_rejects), schema={"line": pl.Int64, "reason": pl.String}, orient="row")
            frame = frame.join(known, on=["line", "reason"], how="anti")
        if frame.height:
            fresh = Rejects(frames=[frame])
            self.batch.add_rejects(fresh.table(self.report.path, self.report.sha256 or "", self.batch.ingested_at))
        self.rejects = Rejects()

    def add_long_lines(self, long_lines: list[LongLine]) -> None:
        """Lines over the length cap, which the readers never saw: one reject each."""
        for long in long_lines:
            self.rejects.add(long.line, "line_too_long", long.detail, long.head)
            self.report.rejected += 1
        self.report.read = self.report.accepted + self.report.duplicates + self.report.rejected
        long_lines.clear()

    def finish(self) -> None:
        self.flush()
        values = [s.cast(pa.int64()).as_py() for s in self.span if s.is_valid]
        if values:
            self.report.first_ts, self.report.last_ts = iso_time(min(values)), iso_time(max(values))


def _ingest_file(source: Source, batch: Batch, options: IngestOptions, progress: Progress) -> FileReport:
    report = FileReport(source.name, source.size)
    try:
        report.sha256 = sha256_of(source)
        opened = Opened(source)
    except OSError as exc:
        report.error = f"{source.name}: cannot be read ({exc})"
        return report
    progress.start(Path(source.name).name, source.size)
    state = FileIngest(report, batch, batch.store.reject_keys(report.sha256))
    try:
        report.format = sniff(opened, options.format)
        for chunk in _chunks(opened, report.format, options):
            state.add(chunk)
            state.add_long_lines(opened.long_lines)
            progress.update(opened.bytes_read)
        state.add_long_lines(opened.long_lines)
        if opened.error:
            report.error = f"{source.name}: {opened.error}"
    except InputError as exc:
        report.format, report.error = None, str(exc)
        state.rejects.add(0, "unreadable_file", str(exc), opened.head[:200], records=0)
    except (StoreError, MemoryError):
        raise  # the store's or the machine's problem, not this file's: the batch is aborted
    except Exception as exc:
        # A failure we did not foresee must not cost the other files: keep what was read, say so in one line.
        report.error = f"{source.name}: reading stopped after {report.read:,} records ({_one_line(exc)})"
        state.rejects.add(0, "unreadable_file", report.error, b"", records=0)
    finally:
        opened.close()
        progress.finish()
    state.finish()
    record_source(batch, report)
    return report


def _one_line(exc: BaseException) -> str:
    """The exception's type and first line, at most 200 characters (Polars errors run to kilobytes)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def record_source(batch: Batch, report: FileReport) -> None:
    now = batch.ingested_at.isoformat()
    batch.record_source(
        SourceEntry(
            sha256=report.sha256 or "",
            paths=[report.path],
            format=report.format or "unrecognised",
            size_bytes=report.size_bytes,
            first_ingested=now,
            last_ingested=now,
            ingests=1,
            read=report.read,
            accepted=report.accepted,
            duplicates=report.duplicates,
            rejected=report.rejected,
            positions=report.positions,
            static=report.static,
            first_ts=report.first_ts,
            last_ts=report.last_ts,
        )
    )


def parse_start(text: str | None) -> int:
    """`--start` (ISO-8601, UTC unless it says otherwise) -> µs since 1970; NO_TS if not given."""
    if not text:
        return NO_TS
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)
