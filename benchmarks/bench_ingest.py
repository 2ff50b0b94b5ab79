"""Ingest throughput, side by side with what a user would otherwise run.

1. NMEA: >= 1 M real sentences (the bundled DMA logs repeated, each copy shifted by a day so that
   nothing collapses as a duplicate) through `shadowfleet ingest` (frame, checksum, assemble,
   decode, de-duplicate, write the store) and through plain pyais (`FileReaderStream` + `decode()`,
   nothing written). Target: shadowfleet >= 3x pyais.
2. NOAA MarineCadastre CSV -> store on one core (the process pinned to CPU 0 with
   sched_setaffinity; Arrow and Polars thread pools set to one thread).
   Target: >= 1 M rows/s.

Prints one line per measurement and the ratio; writes benchmarks/.cache/ingest.json.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "benchmarks" / ".cache"
SAMPLES = REPO / "data" / "samples"
NOAA_SHARED = REPO.parent / "shared" / "data" / "ais" / "csv" / "marinecadastre"
NMEA_TARGET = 1_000_000
CSV_TARGET = 1_000_000


def _checksum(body: str) -> str:
    acc = 0
    for ch in body:
        acc ^= ord(ch)
    return f"{acc:02X}"


def _shift_pghp(line: str, days: int) -> str:
    """Move a `$PGHP,1,yyyy,m,d,...` line by whole days, with a fresh checksum."""
    parts = line[1 : line.rindex("*")].split(",")
    if len(parts) < 5 or parts[1] != "1":
        return line
    day = int(parts[4]) + days % 28
    month = int(parts[3]) + days // 28
    parts[2], parts[3], parts[4] = str(int(parts[2]) + (month - 1) // 12), str((month - 1) % 12 + 1), str(day)
    body = ",".join(parts)
    return f"${body}*{_checksum(body)}"


def build_nmea(path: Path) -> int:
    """Write the repeated DMA log; returns its number of AIS sentences."""
    base = gzip.decompress((SAMPLES / "dma_aisabnormal_20131112.nmea.gz").read_bytes()).decode().splitlines()
    base += (SAMPLES / "dma_aislib_stream_20100611.nmea").read_text().splitlines()
    per_copy = sum("VDM," in line for line in base)
    copies = -(-NMEA_TARGET // per_copy)
    with path.open("w") as out:
        for k in range(copies):
            out.write("\n".join(_shift_pghp(x, k) if x.startswith("$PGHP") else x for x in base) + "\n")
    return per_copy * copies


def build_noaa(path: Path) -> int:
    sources = sorted(NOAA_SHARED.glob("marinecadastre_AIS_*.csv")) or [
        SAMPLES / "noaa_marinecadastre_20230111_1000rows.csv"
    ]
    lines = sources[0].read_text().splitlines()
    header, rows = lines[0], lines[1:]
    date = rows[0].split(",")[1][:10]
    copies = -(-CSV_TARGET // len(rows))
    with path.open("w") as out:
        out.write(header + "\n")
        for k in range(copies):
            day = f"{date[:8]}{(int(date[8:10]) + k - 1) % 28 + 1:02d}"
            out.write("\n".join(r.replace(date, day, 1) for r in rows) + "\n")
    return len(rows) * copies


def time_pyais(path: Path) -> float:
    from pyais.stream import FileReaderStream

    start = time.perf_counter()
    for msg in FileReaderStream(str(path)):
        try:
            msg.decode()
        except Exception:  # pyais raises on broken messages; we reject them too
            continue
    return time.perf_counter() - start


def time_ingest(path: Path, one_core: bool) -> float:
    """Wall time of `shadowfleet ingest` in a fresh process (so thread limits take effect)."""
    env = dict(os.environ)
    if one_core:
        env.update(POLARS_MAX_THREADS="1", SHADOWFLEET_THREADS="1", OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as store:
        code = (
            "import time, sys, pyarrow as pa; "
            + (
                "import os; os.sched_setaffinity(0, {0}); pa.set_cpu_count(1); pa.set_io_thread_count(1); "
                if one_core
                else ""
            )
            + "from pathlib import Path; from shadowfleet.ingest.pipeline import ingest, IngestOptions; "
            + f"t = time.perf_counter(); r = ingest([Path({str(path)!r})], Path({store!r}) / 's', IngestOptions()); "
            + "import resource; print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
        )
        result = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    seconds, peak_kib = result.stdout.split()
    PEAK_MIB.append(int(peak_kib) / 1024)
    return float(seconds)


PEAK_MIB: list[float] = []


def best(measure: Callable[[], float], runs: int = 2) -> float:
    """The fastest of a few runs: the machine's noise only ever adds time."""
    return min(measure() for _ in range(runs))


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    nmea, noaa = CACHE / "dma_repeated.nmea", CACHE / "noaa_repeated.csv"
    sentences = build_nmea(nmea)
    rows = build_noaa(noaa)
    ours = best(lambda: time_ingest(nmea, one_core=False))
    nmea_peak = max(PEAK_MIB)
    theirs = best(lambda: time_pyais(nmea))
    csv_one = best(lambda: time_ingest(noaa, one_core=True))
    csv_all = best(lambda: time_ingest(noaa, one_core=False))
    results = {
        "nmea_sentences": sentences,
        "shadowfleet_ingest_sentences_per_s": sentences / ours,
        "pyais_decode_sentences_per_s": sentences / theirs,
        "ratio_vs_pyais": theirs / ours,
        "noaa_rows": rows,
        "noaa_rows_per_s_one_core": rows / csv_one,
        "noaa_rows_per_s_all_cores": rows / csv_all,
        "nmea_ingest_peak_rss_mib": nmea_peak,
        "nmea_file_mib": nmea.stat().st_size / 2**20,
    }
    print(
        f"NMEA  {sentences:,} sentences: shadowfleet ingest {results['shadowfleet_ingest_sentences_per_s']:,.0f}/s "
        f"(whole ingest into the store) vs pyais decode {results['pyais_decode_sentences_per_s']:,.0f}/s "
        f"-> {results['ratio_vs_pyais']:.1f}x pyais (target >= 3x); peak memory {nmea_peak:,.0f} MiB "
        f"for a {results['nmea_file_mib']:,.0f} MiB file"
    )
    print(
        f"NOAA  {rows:,} rows -> store on one core: {results['noaa_rows_per_s_one_core']:,.0f} rows/s "
        f"(target >= 1,000,000/s); on all {os.cpu_count()} cores: {results['noaa_rows_per_s_all_cores']:,.0f} rows/s"
    )
    (CACHE / "ingest.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
