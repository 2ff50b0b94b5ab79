"""What a store holds, answered by DuckDB straight from the Parquet files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from shadowfleet.core.schema import POSITIONS, REJECTS, STATIC
from shadowfleet.store.store import Store


@dataclass
class Summary:
    store: str
    vessels: int = 0
    positions: int = 0
    static: int = 0
    vessels_with_static: int = 0
    first_ts: str | None = None
    last_ts: str | None = None
    dates: int = 0
    size_bytes: int = 0
    rejects: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def summarize(store: Store) -> Summary:
    out = Summary(str(store.root.resolve()))
    out.size_bytes = sum(p.stat().st_size for p in store.root.rglob("*.parquet") if ".staging" not in p.parts)
    con = duckdb.connect()
    positions, static, rejects = ([str(f) for f in store.files(t)] for t in (POSITIONS, STATIC, REJECTS))
    if positions:
        row = con.execute(
            "SELECT count(*), count(DISTINCT mmsi), min(ts), max(ts), count(DISTINCT CAST(ts AS DATE)) "
            "FROM read_parquet(?)",
            [positions],
        ).fetchone()
        assert row is not None
        out.positions, out.vessels = int(row[0]), int(row[1])
        out.first_ts, out.last_ts = (
            (row[2].isoformat() if row[2] else None),
            (row[3].isoformat() if row[3] else None),
        )
        out.dates = int(row[4])
    if static:
        row = con.execute("SELECT count(*), count(DISTINCT mmsi) FROM read_parquet(?)", [static]).fetchone()
        assert row is not None
        out.static, out.vessels_with_static = int(row[0]), int(row[1])
    if rejects:
        rows = con.execute(
            "SELECT reason, count(*) FROM read_parquet(?) GROUP BY reason ORDER BY 2 DESC, 1", [rejects]
        ).fetchall()
        out.rejects_by_reason = {str(r): int(n) for r, n in rows}
        out.rejects = sum(out.rejects_by_reason.values())
    manifest = store.manifest()
    out.sources = [
        {
            "path": s.paths[0],
            "format": s.format,
            "sha256": s.sha256,
            "read": s.read,
            "accepted": s.accepted,
            "rejected": s.rejected,
            "first_ts": s.first_ts,
            "last_ts": s.last_ts,
            "ingests": s.ingests,
        }
        for s in manifest.sources.values()
    ]
    return out
