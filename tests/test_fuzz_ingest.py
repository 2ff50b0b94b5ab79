"""Mutation fuzzing of ingest over the real files in ../shared/data/ais, plus hypothesis properties.

Every case is a seeded mutation of a real file (see `fuzz_mutations`). Checked for each:
- no exception escapes `ingest` (the CLI's exit 3), no traceback or "Exception ignored" on stderr;
- every file's read = accepted + duplicates + rejected, and for a plain text file read equals the
  records the file holds (`csv_records`, `nmea_records`): no line disappears; a file refused as a
  whole (unrecognised, or damaged) says so in one line;
- the store holds exactly the rows the report counts;
- peak memory stays under `MEMORY_BOUND_BYTES`;
- `detect` runs on the store that results (every `DETECT_EVERY`-th case, and always on the CLI sample).

`make test` runs `FUZZ_CASES` (default 200) cases; `make fuzz` runs 2,000+ with `FUZZ_CASES` set.
The seed is fixed (`FUZZ_SEED`, default 13), so a failure names a case that can be rerun.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import run
from conftest import AIS
from fuzz_mutations import Case, csv_records, mutate, nmea_records, physical_lines, seed_bytes
from shadowfleet.core.lines import LineSplitter, csv_fields, normalise_line_ends
from shadowfleet.core.schema import POSITIONS, STATIC
from shadowfleet.detect.events import Config
from shadowfleet.detect.runner import Window
from shadowfleet.detect.runner import run as detect
from shadowfleet.ingest.pipeline import IngestOptions, ingest
from shadowfleet.ingest.sources import BLOCK_BYTES, INFLATE_BYTES, GzipStream
from shadowfleet.store.store import Store

CASES = int(os.environ.get("FUZZ_CASES", "200"))
SEED = int(os.environ.get("FUZZ_SEED", "13"))
SHARDS = max(4, CASES // 150)  # cases run in this many tests, so `pytest -n 2` spreads them
DETECT_EVERY = 10
CLI_EVERY = max(100, CASES // 12)  # a dozen runs of the real command at most: each costs seconds
# Peak resident memory of the test process (and of any CLI child): the gzip bombs inflate to 40 MiB
# each and a line over the cap is 1 MiB; ingest holds a few 8 MiB blocks at a time.
MEMORY_BOUND_BYTES = 1536 << 20
START = "2020-01-01T00:00:00Z"  # for NMEA logs without times: their sentences are records, not rejects


def _seeds() -> list[tuple[str, bytes, bool]]:
    """(name, bytes, gzipped) of every real AIS text file; GeoPackages are fuzzed separately."""
    out = []
    for path in sorted(AIS.rglob("*")):
        if path.is_file() and not path.name.endswith((".chk", ".json", ".md", ".gpkg")):
            out.append((str(path.relative_to(AIS)), seed_bytes(path), path.name.endswith(".gz")))
    assert len(out) >= 20, f"expected the shared AIS files under {AIS}"
    return out


def _cases(shard: int) -> Iterator[tuple[int, str, Case]]:
    seeds = _seeds()
    for k in range(shard, CASES, SHARDS):
        rng = random.Random(SEED * 1_000_003 + k)
        name, data, gzipped = rng.choice(seeds)
        yield k, name, mutate(rng, data, gzipped)


@contextmanager
def _unraisable() -> Iterator[list[str]]:
    """Collect what Python would print as 'Exception ignored in ...' (e.g. from an Arrow callback)."""
    seen: list[str] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(f"{u.exc_type.__name__}: {u.exc_value} in {u.object!r}")
    try:
        yield seen
    finally:
        sys.unraisablehook = previous


def _store_rows(store: Path) -> dict[str, int]:
    opened = Store.open(store)
    return {
        spec.name: sum(pq.ParquetFile(f).metadata.num_rows for f in opened.files(spec)) for spec in (POSITIONS, STATIC)
    }


def _check_file(report: dict[str, Any], case: Case, fmt_expected: str) -> list[str]:
    problems = []
    if report["read"] != report["accepted"] + report["duplicates"] + report["rejected"]:
        problems.append(f"read != accepted + duplicates + rejected: {report}")
    error = report["error"] or ""
    if "\n" in error or len(error) > 600:
        problems.append(f"error is not one line: {error[:300]!r}")
    if "reading stopped" in error:
        problems.append(f"reading stopped early: {error}")
    if case.compressed or report["format"] is None:
        if report["format"] is None and report["read"]:
            problems.append(f"a refused file read records: {report}")
        return problems
    expected = csv_records(case.data) if report["format"] == "csv" else nmea_records(case.data)
    if report["format"] != fmt_expected:
        return problems  # a mutation that turned one format into another: only the counts are checked
    if report["read"] != expected:
        problems.append(f"read {report['read']} but the file holds {expected} records")
    return problems


def _tally(totals: dict[str, Any], case: Case, report: dict[str, Any] | None) -> None:
    """Figures for the README (`FUZZ_REPORT`): cases per mutation and format, records, rejects."""
    for mutation in case.name.split("+"):
        totals["mutations"][mutation] = totals["mutations"].get(mutation, 0) + 1
    for f in (report or {}).get("files", []):
        fmt = f["format"] or "refused"
        totals["formats"][fmt] = totals["formats"].get(fmt, 0) + 1
        for key in ("read", "accepted", "duplicates", "rejected"):
            totals[key] += f[key]


def _run_case(k: int, name: str, case: Case, tmp: Path, totals: dict[str, Any] | None = None) -> list[str]:
    path = tmp / f"case{k}{'.gz' if case.compressed else ''}"
    path.write_bytes(case.data)
    store = tmp / f"store{k}"
    err = io.StringIO()
    with _unraisable() as ignored, redirect_stderr(err):
        try:
            result = ingest([path], store, IngestOptions(start_us=_start_us()))
        except Exception as exc:  # what the CLI turns into exit 3
            return [f"ingest raised {type(exc).__name__}: {exc}"]
    problems = [f"unraisable: {u}" for u in ignored]
    if "Traceback" in err.getvalue() or "Exception ignored" in err.getvalue():
        problems.append(f"stderr: {err.getvalue()[:300]}")
    report = result.to_json()
    if totals is not None:
        _tally(totals, case, report)
    fmt = "csv" if name.endswith(".csv") else "nmea"
    for f in report["files"]:
        problems += _check_file(f, case, fmt)
    rows = _store_rows(store)
    if rows != {"positions": report["positions"], "static": report["static"]}:
        problems.append(f"store rows {rows} != report positions {report['positions']}, static {report['static']}")
    if k % DETECT_EVERY == 0:
        try:
            detect(Store.open(store), Config.load(), Window())
        except Exception as exc:
            problems.append(f"detect failed: {type(exc).__name__}: {exc}")
    return problems


def _start_us() -> int:
    from shadowfleet.ingest.pipeline import parse_start

    return parse_start(START)


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (Linux: VmHWM); False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _run_measured(*args: str | Path) -> tuple[int, str, str, int]:
    """The CLI in a child process: (exit status, stdout, stderr, the child's own peak RSS in bytes)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "shadowfleet", *map(str, args)], stdout=out, stderr=err, env=os.environ.copy()
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return child.returncode, out.read(), err.read(), usage.ru_maxrss * 1024


@pytest.mark.parametrize("shard", range(SHARDS))
def test_mutated_real_files(shard: int, tmp_path: Path) -> None:
    measured = _reset_peak_rss()
    failures, count, by_kind = [], 0, 0
    totals: dict[str, Any] = {"mutations": {}, "formats": {}, "read": 0, "accepted": 0, "duplicates": 0}
    totals["rejected"], started = 0, time.monotonic()
    for k, name, case in _cases(shard):
        problems = _run_case(k, name, case, tmp_path, totals)
        count += 1
        by_kind += bool(problems)
        failures += [f"case {k} ({name}, {case.name}): {p}" for p in problems]
        for leftover in tmp_path.iterdir():  # keep the disk small: each case has its own store
            if leftover.is_dir():
                _remove(leftover)
            else:
                leftover.unlink()
    peak = _peak_rss_bytes()
    if os.environ.get("FUZZ_REPORT"):
        summary = {"shard": shard, "cases": count, "failed": by_kind, "seconds": round(time.monotonic() - started)}
        with Path(os.environ["FUZZ_REPORT"]).open("a") as out:
            out.write(json.dumps({**summary, "peak_rss_mib": peak >> 20, **totals}) + "\n")
    assert count > 0
    assert not failures, f"{by_kind} of {count} cases failed:\n" + "\n".join(failures[:30])
    if measured:
        assert peak < MEMORY_BOUND_BYTES


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def test_cli_on_a_sample_of_mutations(tmp_path: Path) -> None:
    """The real command on every CLI_EVERY-th case: exit 0, one JSON line, no traceback, detect runs."""
    for shard in range(SHARDS):
        for k, _name, case in _cases(shard):
            if k % CLI_EVERY:
                continue
            path = tmp_path / f"case{k}{'.gz' if case.compressed else ''}"
            path.write_bytes(case.data)
            store = tmp_path / f"store{k}"
            code, stdout, stderr, peak = _run_measured("ingest", path, "--store", store, "--json", "--start", START)
            assert code == 0, (k, case.name, stderr)
            assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
            assert peak < MEMORY_BOUND_BYTES, (k, case.name, peak)
            report = json.loads(stdout)
            assert report["read"] == report["accepted"] + report["duplicates"] + report["rejected"]
            detected = run("detect", "--store", store, "--json")
            assert detected.returncode == 0, (k, case.name, detected.stderr)
            assert "Traceback" not in detected.stderr


def test_damaged_geopackages_fail_alone(tmp_path: Path) -> None:
    """Bit flips in a GeoPackage: the file fails (or is read) alone; the good file beside it is ingested."""
    good = AIS / "csv" / "dma" / "mobiml_test_aisdk_20180208_sample.csv"
    for k, gpkg in enumerate(sorted(AIS.rglob("*.gpkg")) * 6):
        rng = random.Random(SEED + k)
        data = bytearray(gpkg.read_bytes())
        for _ in range(rng.choice([1, 10, 200])):
            data[rng.randrange(100, len(data))] ^= 1 << rng.randrange(8)
        folder = tmp_path / f"in{k}"
        folder.mkdir()
        (folder / "damaged.gpkg").write_bytes(bytes(data))
        (folder / "good.csv").write_bytes(good.read_bytes())
        report = ingest([folder], tmp_path / f"store{k}", IngestOptions()).to_json()
        by_name = {Path(f["path"]).name: f for f in report["files"]}
        assert by_name["good.csv"]["accepted"] > 0 and by_name["good.csv"]["error"] is None
        damaged = by_name["damaged.gpkg"]
        assert damaged["read"] == damaged["accepted"] + damaged["duplicates"] + damaged["rejected"]
        assert "\n" not in (damaged["error"] or "")


# --- properties of the pieces the fuzzer leans on ------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r", b"\r\n", b",", b"x" * 9]), max_size=80),
    st.lists(st.integers(0, 40), max_size=8),
    st.integers(4, 12),
)
def test_line_splitter_keeps_every_line(pieces: list[bytes], cuts: list[int], max_line: int) -> None:
    data = b"".join(pieces)
    blocks, last = [], 0
    for cut in sorted(c for c in cuts if c <= len(data)):
        blocks.append(data[last:cut])
        last = cut
    blocks.append(data[last:])
    splitter = LineSplitter(max_line=max_line)
    out = [chunk for block in blocks for chunk in splitter.feed(block)]
    out += list(splitter.finish())
    lines = physical_lines(data)
    assert sum(count for _, _, count in out) == len(lines)
    emitted = b"".join(whole for _, whole, _ in out).split(b"\n")[:-1] if out else []
    long_at = {x.line for x in splitter.long_lines}
    for number, (line, got) in enumerate(zip(lines, emitted, strict=True), start=1):
        assert got == (b"" if number in long_at else line)
        assert (len(line) > max_line) == (number in long_at)
    assert all(first == 1 + sum(c for _, _, c in out[:i]) for i, (first, _, _) in enumerate(out))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n")), max_size=8))
def test_csv_fields_round_trips_one_line(fields: list[str]) -> None:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    line = buffer.getvalue()
    parsed = csv_fields(line)
    if fields in ([], [""]):
        assert parsed in ([], [""])
    else:
        assert parsed == fields


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet='ab,"\x00 ', max_size=40))
def test_csv_fields_never_raises(line: str) -> None:
    assert isinstance(csv_fields(line), list | str)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=20_000), st.integers(0, 9))
def test_gunzip_is_exact_and_bounded(data: bytes, level: int) -> None:
    stream = GzipStream(io.BytesIO(gzip.compress(data, compresslevel=level)))
    out = []
    while block := stream.read(4096):
        out.append(block)
        assert len(stream.pending) <= INFLATE_BYTES
    assert b"".join(out) == data


def test_gzip_bomb_inflates_block_by_block() -> None:
    bomb = gzip.compress(b"\n" * (64 << 20), compresslevel=9)  # 64 MiB of newlines in ~64 KiB
    stream = GzipStream(io.BytesIO(bomb))
    largest, total = 0, 0
    while block := stream.read(BLOCK_BYTES):
        largest = max(largest, len(stream.pending) + len(block))
        total += len(block)
    assert total == 64 << 20
    assert largest <= BLOCK_BYTES + INFLATE_BYTES  # before the cap: all 64 MiB at once


def test_oracle_counts_what_the_readers_count() -> None:
    """The oracle itself, on hand-made lines (a fuzzer with a wrong oracle checks nothing)."""
    assert csv_records(b"h\r\na\r\n\r\nb") == 2
    assert csv_records(normalise_line_ends(b"h\ra\rb\r")) == 2
    log = b"\\c:1*00\\\n# c\n\n!AIVDM,1,1,,A,x,0*00\n$PGHP,1\n\\c:1*7F\\\n\\unclosed\nhello\n"
    assert nmea_records(log) == 4  # sentence, bad-checksum tag line, unclosed tag, 'hello'
