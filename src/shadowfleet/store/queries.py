"""The questions other layers ask of the ingested tables, answered by DuckDB over the committed files.

Only this module (and the detector's partitioning) writes SQL over the store: screening, risk, the
case file, the API and the demo call these functions and get typed rows back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from shadowfleet.core.schema import POSITIONS, STATIC, Table
from shadowfleet.store.store import Store


@dataclass(frozen=True)
class Identity:
    """One (MMSI, IMO, name) a vessel broadcast, and when it first did; IMO and name are None for an MMSI
    seen only in positions."""

    mmsi: int
    imo: int | None
    name: str | None
    first_us: int


@dataclass(frozen=True)
class LatestIdentity:
    """A vessel's latest declared value of each static field, and every name and IMO it used."""

    mmsi: int
    name: str | None
    imo: int | None
    ship_type: int | None
    length_m: float | None
    beam_m: float | None
    draught_m: float | None
    names: tuple[str, ...]
    imos: tuple[int, ...]


@dataclass(frozen=True)
class DeclaredIdentity:
    """One identity a vessel declared, with its first and last report."""

    name: str | None
    imo: int | None
    callsign: str | None
    ship_type: int | None
    first: datetime
    last: datetime
    reports: int
    source: str


@dataclass(frozen=True)
class TrackPoint:
    lon: float
    lat: float
    epoch_s: float
    sog_kn: float | None


@dataclass(frozen=True)
class SourcePosition:
    """A position read back by the (source, line) an event's evidence names."""

    ref: str  # the caller's key for the reference, e.g. an event id
    ts: datetime
    mmsi: int
    lat: float | None
    lon: float | None
    sog_kn: float | None
    source: str
    line: int


@dataclass(frozen=True)
class Busiest:
    mmsi: int
    name: str | None
    imo: int | None
    ship_type: int | None
    positions: int
    first: datetime
    last: datetime


def _files(store: Store, spec: Table) -> list[str]:
    return [str(f) for f in store.files(spec)]


def _rows(sql: str, params: Sequence[object] | Mapping[str, object]) -> list[tuple[Any, ...]]:
    """One query over the store's files, on a connection of its own (readers share no state)."""
    return duckdb.connect().execute(sql, params).fetchall()


def identities(store: Store) -> list[Identity]:
    """Each (MMSI, IMO, name) the store holds, and every MMSI seen only in positions."""
    static, positions = _files(store, STATIC), _files(store, POSITIONS)
    parts, params = [], {}
    if static:
        parts.append(
            "SELECT mmsi, imo, name, min(ts) AS first FROM read_parquet($static) "
            "WHERE imo IS NOT NULL OR name IS NOT NULL GROUP BY ALL"
        )
        params["static"] = static
    if positions:
        # vessels that never sent a static report are screened by their MMSI alone
        named = "SELECT mmsi FROM read_parquet($static)" if static else "SELECT NULL"
        parts.append(
            "SELECT mmsi, NULL::BIGINT, NULL::VARCHAR, min(ts) FROM read_parquet($positions) "
            f"WHERE mmsi NOT IN ({named}) GROUP BY 1"
        )
        params["positions"] = positions
    if not parts:
        return []
    rows = _rows(
        f"SELECT mmsi, imo, name, epoch_us(min(first)) FROM ({' UNION ALL '.join(parts)}) GROUP BY ALL ORDER BY ALL",
        params,
    )
    return [Identity(int(m), i, n, int(f)) for m, i, n, f in rows]


def latest_identities(store: Store) -> list[LatestIdentity]:
    static = _files(store, STATIC)
    if not static:
        return []
    rows = _rows(
        """SELECT mmsi, arg_max(name, ts) FILTER (name IS NOT NULL), arg_max(imo, ts) FILTER (imo IS NOT NULL),
               arg_max(ship_type, ts) FILTER (ship_type IS NOT NULL),
               arg_max(length_m, ts) FILTER (length_m IS NOT NULL), arg_max(beam_m, ts) FILTER (beam_m IS NOT NULL),
               arg_max(draught_m, ts) FILTER (draught_m IS NOT NULL),
               list(DISTINCT name) FILTER (name IS NOT NULL), list(DISTINCT imo) FILTER (imo IS NOT NULL)
        FROM read_parquet(?) GROUP BY mmsi""",
        [static],
    )
    return [
        LatestIdentity(int(m), name, imo, kind, length, beam, draught, tuple(sorted(names or [])),
                       tuple(sorted(imos or [])))
        for m, name, imo, kind, length, beam, draught, names, imos in rows
    ]  # fmt: skip


def identity_history(store: Store, mmsi: int) -> list[DeclaredIdentity]:
    """Each identity the vessel declared (name, IMO, call sign, type) with its first and last report."""
    static = _files(store, STATIC)
    if not static:
        return []
    rows = _rows(
        """SELECT name, imo, callsign, ship_type, min(ts), max(ts), count(*), any_value(source)
        FROM read_parquet(?) WHERE mmsi = ? GROUP BY ALL ORDER BY min(ts)""",
        [static, mmsi],
    )
    return [DeclaredIdentity(n, i, c, k, first, last, int(count), str(s)) for n, i, c, k, first, last, count, s in rows]


def track(store: Store, mmsi: int, since: datetime | None = None, until: datetime | None = None) -> list[TrackPoint]:
    """A vessel's located positions in a window, in time order."""
    positions = _files(store, POSITIONS)
    if not positions:
        return []
    clauses, params = ["mmsi = $mmsi", "lat IS NOT NULL"], {"files": positions, "mmsi": mmsi}
    if since is not None:
        clauses.append("ts >= $since")
        params["since"] = since
    if until is not None:
        clauses.append("ts < $until")
        params["until"] = until
    rows = _rows(
        f"SELECT lon, lat, epoch(ts), sog_kn FROM read_parquet($files) WHERE {' AND '.join(clauses)} ORDER BY ts",
        params,
    )
    return [TrackPoint(float(a), float(b), float(c), None if d is None else float(d)) for a, b, c, d in rows]


def positions_at(store: Store, refs: Sequence[tuple[str, str, int]]) -> list[SourcePosition]:
    """The positions at (key, source, line) references, in one scan, in time order."""
    positions = _files(store, POSITIONS)
    if not refs or not positions:
        return []
    wanted = ", ".join("(?, ?, ?)" for _ in refs)
    rows = _rows(
        f"""SELECT r.ref, p.ts, p.mmsi, p.lat, p.lon, p.sog_kn, p.source, p.line
        FROM read_parquet(?) p JOIN (VALUES {wanted}) r(ref, source, line)
        ON p.source = r.source AND p.line = r.line ORDER BY p.ts""",
        [positions, *(v for ref in refs for v in ref)],
    )
    return [SourcePosition(str(k), ts, int(m), lat, lon, sog, str(src), int(line))
            for k, ts, m, lat, lon, sog, src, line in rows]  # fmt: skip


def busiest(store: Store, limit: int = 8) -> list[Busiest]:
    """The named vessels with the most positions, with their latest declared identity."""
    static, positions = _files(store, STATIC), _files(store, POSITIONS)
    if not static or not positions:
        return []
    rows = _rows(
        """WITH identity AS (
            SELECT mmsi, arg_max(name, ts) AS name, arg_max(ship_type, ts) AS ship_type, arg_max(imo, ts) AS imo
            FROM read_parquet($static) GROUP BY mmsi)
        SELECT p.mmsi, i.name, i.imo, i.ship_type, count(*) AS positions, min(p.ts), max(p.ts)
        FROM read_parquet($positions) p LEFT JOIN identity i USING (mmsi)
        WHERE i.name IS NOT NULL GROUP BY ALL ORDER BY positions DESC, p.mmsi LIMIT $limit""",
        {"static": static, "positions": positions, "limit": limit},
    )
    return [Busiest(int(m), n, i, k, int(c), first, last) for m, n, i, k, c, first, last in rows]
