"""Load on the REST API: events queries from a local client against `shadowfleet serve` on loopback.

Builds a store from a simulated scenario (cached in benchmarks/.cache), starts the server, then runs
N concurrent keep-alive clients (asyncio + httpx) for a fixed time, each asking `/api/events` with
mixed filters (type, bounding box, minimum score, listed parties, paging) as a map does on every pan.
Reports requests/s, p50/p95/p99 latency and errors. Target (issue #6): >= 300 requests/s with
p99 < 200 ms on 2 cores and no errors.

    python benchmarks/bench_api.py [--seconds 20] [--concurrency 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

from shadowfleet.api.auth import add_user
from shadowfleet.core.events import EventType
from shadowfleet.store.store import Store

CACHE = Path(__file__).resolve().parent / ".cache" / "api"
REPO = Path(__file__).resolve().parents[1]


def _sf(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", "shadowfleet", *map(str, args)], check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip


def build(vessels: int) -> Path:
    store = CACHE / f"store-{vessels}"
    if (store / "events" / "events.parquet").exists():
        return store
    shutil.rmtree(CACHE, ignore_errors=True)
    _sf("simulate", "--out", CACHE / "sim", "--vessels", str(vessels), "--days", "3", "--seed", "3")
    shared = REPO.parent / "shared" / "data" / "ais"  # every real AIS file there: ~800 more events
    _sf("ingest", CACHE / "sim" / "ais.csv", REPO / "data" / "samples", *([shared] if shared.exists() else []),
        "--store", store, "--quiet")  # fmt: skip
    _sf("lists", "import", REPO / "data" / "lists" / "ofac_sdn_2024-05-03", "--date", "2024-05-03", "--store", store)
    _sf("lists", "import", REPO / "data" / "lists" / "un_consolidated_2026-02-27.xml", "--store", store)
    _sf("detect", "--store", store)
    if not (store / "events" / "events.parquet").exists():
        raise SystemExit(f"building the benchmark store in {store} failed")
    return store


def _queries(rng: random.Random) -> list[dict[str, str]]:
    types = [t.value for t in EventType]
    found = []
    for _ in range(500):
        q: dict[str, str] = {"limit": str(rng.choice([50, 100, 500]))}
        if rng.random() < 0.5:
            q["type"] = rng.choice(types)
        if rng.random() < 0.5:
            lon, lat = rng.uniform(110, 130), rng.uniform(25, 40)
            q["bbox"] = f"{lon:.2f},{lat:.2f},{lon + rng.uniform(1, 15):.2f},{lat + rng.uniform(1, 10):.2f}"
        if rng.random() < 0.3:
            q["min_score"] = f"{rng.uniform(0, 0.8):.2f}"
        if rng.random() < 0.1:
            q["listed"] = "true"
        found.append(q)
    return found


async def _client(
    url: str, key: str, until: float, queries: list[dict[str, str]], latencies: list[float], errors: list[str]
) -> None:
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, timeout=10) as client:
        i = 0
        while time.perf_counter() < until:
            start = time.perf_counter()
            try:
                response = await client.get("/api/events", params=queries[i % len(queries)])
                if response.status_code != 200:
                    errors.append(str(response.status_code))
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - start)
            i += 1


async def load(url: str, key: str, seconds: float, concurrency: int) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    rng = random.Random(1)
    began = time.perf_counter()
    until = began + seconds
    await asyncio.gather(*(_client(url, key, until, _queries(rng), latencies, errors) for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--vessels", type=int, default=300)
    args = parser.parse_args()
    store = build(args.vessels)
    key = add_user(Store.open(store), "bench", "viewer")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "shadowfleet", "serve", "--store", str(store), "--port", str(port),
                               "--workers", str(args.workers)], stdout=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/api/events", headers={"X-API-Key": key}, params={"limit": 1}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        total = httpx.get(f"{url}/api/events", headers={"X-API-Key": key}, params={"limit": 1}).json()["total"]
        latencies, errors, elapsed = asyncio.run(load(url, key, args.seconds, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=10)
    ms = np.array(latencies) * 1000
    print(f"store: {total:,} events; {args.concurrency} concurrent keep-alive clients for {elapsed:.0f} s, "
          f"{args.workers} server worker(s), client and server on this machine")  # fmt: skip
    print(f"{len(latencies) / elapsed:,.0f} requests/s (target >= 300); latency p50 {np.percentile(ms, 50):.1f} ms, "
          f"p95 {np.percentile(ms, 95):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms (target < 200); "
          f"errors {len(errors)} {sorted(set(errors))}")  # fmt: skip


if __name__ == "__main__":
    main()
