"""Detection at scale: a simulated day of N positions (default 100 M, ~70 k vessels reporting once a
minute) through every detector, side by side with a plain Parquet scan of the same columns.

The day is generated once, vectorised, straight into a store (cached under benchmarks/.cache), in the
open North Pacific so that no track meets land. Prints wall time and peak memory of `detect` and its
ratio to the scan. Targets (issue #3): at most 60 s and 4 GB on a 2-core machine at 100 M positions.

    python benchmarks/bench_detect.py [--positions 100000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shadowfleet.core.schema import POSITIONS
from shadowfleet.store.store import Store

CACHE = Path(__file__).resolve().parent / ".cache"
DAY_US = 86_400_000_000
START_US = 1_704_067_200_000_000  # 2024-01-01T00:00:00Z
VESSELS_PER_FILE = 5_000


def generate(store_dir: Path, positions: int, seed: int = 1) -> None:
    """One UTC day of straight tracks at 8-15 kn, a fix a minute, written as canonical Parquet (named outside
    the `part-<batch>` pattern, so the store reads them as files of no batch rather than uncommitted ones)."""
    store = Store.open(store_dir, create=True)
    folder = store.root / "positions" / "date=2024-01-01"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    vessels = max(positions // 1440, 2)
    minutes = np.arange(1440, dtype=np.int64)
    for first in range(0, vessels, VESSELS_PER_FILE):
        n = min(VESSELS_PER_FILE, vessels - first)
        lat0, lon0 = rng.uniform(10, 30, n), rng.uniform(-170, -130, n)
        knots, heading = rng.uniform(8, 15, n), rng.uniform(0, 2 * np.pi, n)
        offsets = np.sort(minutes * 60_000_000 + rng.integers(0, 59_000_000, (n, 1440)), axis=1)
        hours = offsets / 3_600_000_000
        dlat = (knots * np.cos(heading))[:, None] * hours / 60.0
        dlon = (knots * np.sin(heading))[:, None] * hours / 60.0 / np.cos(np.radians(lat0))[:, None]
        ts = START_US + offsets
        count = n * 1440
        table = pa.table(
            {
                "mmsi": np.repeat(338_000_000 + first + np.arange(n), 1440),
                "ts": pa.array(ts.ravel(), pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                "lat": (lat0[:, None] + dlat).ravel(),
                "lon": (lon0[:, None] + dlon).ravel(),
                "sog_kn": np.repeat(knots, 1440).astype(np.float32),
                "cog_deg": pa.nulls(count, pa.float32()),
                "heading_deg": pa.nulls(count, pa.float32()),
                "nav_status": pa.nulls(count, pa.int8()),
                "msg_type": pa.array(np.ones(count, np.int8)),
                "source": pa.repeat(pa.scalar("bench"), count),
                "station": pa.nulls(count, pa.string()),
                "line": np.arange(first * 1440, first * 1440 + count),
            },
            schema=POSITIONS.schema,
        )
        pq.write_table(table, folder / f"bench-{first:08d}.parquet", compression="zstd")


def scan_seconds(store_dir: Path) -> float:
    import duckdb

    start = time.perf_counter()
    duckdb.connect().execute(
        f"SELECT count(*), sum(lat), sum(lon), max(ts), count(DISTINCT mmsi) "
        f"FROM read_parquet('{store_dir}/positions/*/*.parquet')"
    ).fetchall()
    return time.perf_counter() - start


def detect_run(store_dir: Path) -> tuple[float, float, dict[str, int]]:
    code = (
        "import time, resource, json, collections; from pathlib import Path; "
        "from shadowfleet.detect.runner import run, Window; from shadowfleet.detect.events import Config; "
        "from shadowfleet.store.store import Store; t = time.perf_counter(); "
        f"e = run(Store.open(Path({str(store_dir)!r})), Config.load(), Window()); "
        "print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
        "collections.Counter(e.column('event_type').to_pylist())]))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    seconds, peak_mib, counts = json.loads(out.strip().splitlines()[-1])
    return float(seconds), float(peak_mib), dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--positions", type=int, default=100_000_000)
    args = parser.parse_args()
    store_dir = CACHE / f"detect-{args.positions}" / "store"
    if not (store_dir / "manifest.json").exists():
        started = time.perf_counter()
        generate(store_dir, args.positions)
        print(f"generated {args.positions:,} positions in {time.perf_counter() - started:.0f} s (cached)")
    scan = scan_seconds(store_dir)
    seconds, peak, counts = detect_run(store_dir)
    print(
        f"DETECT {args.positions:,} positions: {seconds:.1f} s, peak {peak:,.0f} MiB; plain Parquet scan "
        f"{scan:.1f} s -> {seconds / scan:.0f}x the scan (targets at 100 M: <= 60 s, <= 4 GB); events {counts}"
    )
    (CACHE / f"detect-{args.positions}.json").write_text(
        json.dumps(
            {"positions": args.positions, "detect_s": seconds, "peak_mib": peak, "scan_s": scan, "events": counts}
        )
    )


if __name__ == "__main__":
    main()
