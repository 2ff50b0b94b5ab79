"""Every vessel in the AIS store screened from what it broadcast, and events told who is listed.

A vessel is screened once per identity it used (MMSI with each IMO and name it sent), because a hull
that broadcast a listed name or IMO for one afternoon matters as much as one that always did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from shadowfleet.core.identifiers import mid_table
from shadowfleet.core.schema import EVENTS, LISTED, POSITIONS, STATIC, VESSEL_MATCHES, check
from shadowfleet.screening.lists import Lists
from shadowfleet.screening.names import VESSEL, country_code
from shadowfleet.screening.network import is_listed
from shadowfleet.screening.screener import Match, Query, Screener
from shadowfleet.store.manifest import write_table_atomic
from shadowfleet.store.store import Store

MATCHES_FILE = "screening/vessel_matches.parquet"


@dataclass(frozen=True)
class Identity:
    mmsi: int
    imo: int | None
    name: str | None
    first_us: int


def identities(store: Store) -> list[Identity]:
    """Each (MMSI, IMO, name) the store holds, and every MMSI seen only in positions."""
    con = duckdb.connect()
    parts = []
    if store.files(STATIC):
        parts.append(
            f"SELECT mmsi, imo, name, min(ts) AS first FROM read_parquet('{store.glob(STATIC)}') "
            "WHERE imo IS NOT NULL OR name IS NOT NULL GROUP BY ALL"
        )
    if store.files(POSITIONS):
        # vessels that never sent a static report are screened by their MMSI alone
        named = f"SELECT mmsi FROM read_parquet('{store.glob(STATIC)}')" if store.files(STATIC) else "SELECT NULL"
        parts.append(
            f"SELECT mmsi, NULL::BIGINT, NULL::VARCHAR, min(ts) FROM read_parquet('{store.glob(POSITIONS)}') "
            f"WHERE mmsi NOT IN ({named}) GROUP BY 1"
        )
    if not parts:
        return []
    rows = con.execute(
        f"SELECT mmsi, imo, name, epoch_us(min(first)) FROM ({' UNION ALL '.join(parts)}) GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return [Identity(int(m), i, n, int(f)) for m, i, n, f in rows]


def _flags() -> Callable[[int], str | None]:
    mids = {mid: country_code(name) for mid, name in mid_table().items()}
    return lambda mmsi: mids.get(mmsi // 1_000_000) if 200_000_000 <= mmsi <= 799_999_999 else None


def _row(identity: Identity, flag: str | None, match: Match) -> dict[str, object]:
    m = match.to_json()
    return {
        "mmsi": identity.mmsi,
        "imo": identity.imo,
        "name": identity.name,
        "flag": flag,
        "first_seen": identity.first_us,
        "list_name": m["list"],
        "list_version": m["list_version"],
        "entry_id": m["entry_id"],
        "entry_name": m["entry_name"],
        "score": m["score"],
        "flags": m["flags"],
        "explanation": json.dumps(m["explanation"]),
        "entry_source": m["source"],
    }


def screen_fleet(store: Store, screener: Screener, progress: Callable[[int, int], None] | None = None) -> pa.Table:
    """Matches of every vessel identity in the store (table `vessel_matches`)."""
    flag_of = _flags()
    rows = []
    found = identities(store)
    for n, identity in enumerate(found, 1):
        flag = flag_of(identity.mmsi)
        query = Query(identity.name, VESSEL, identity.imo, identity.mmsi, flag, str(identity.mmsi))
        rows += [_row(identity, flag, m) for m in screener.screen(query)]
        if progress and (n % 500 == 0 or n == len(found)):
            progress(n, len(found))
    table = pa.Table.from_pylist(rows, schema=VESSEL_MATCHES.schema.set(4, pa.field("first_seen", pa.int64())))
    return check(table.set_column(4, "first_seen", table.column(4).cast(pa.timestamp("us", tz="UTC"))), VESSEL_MATCHES)


def screen_store(store: Store, as_of: date | None = None) -> pa.Table | None:
    """Screen the store against its lists and keep the result; None when no list is loaded."""
    lists = Lists(store)
    versions = lists.current(as_of)
    if not versions:
        return None
    matches = screen_fleet(store, Screener(lists.entries(versions)))
    write_table_atomic(matches, store.root / MATCHES_FILE)
    return matches


def screen_events(store: Store, events: pa.Table) -> tuple[pa.Table, pa.Table | None]:
    """The store's vessels screened, and `events` told which of their parties are listed."""
    matches = screen_store(store)
    return (events if matches is None else annotate(events, matches)), matches


def load_matches(store: Store) -> pa.Table | None:
    path = store.root / MATCHES_FILE
    return check(pq.read_table(path), VESSEL_MATCHES) if path.exists() else None


def annotate(events: pa.Table, matches: pa.Table) -> pa.Table:
    """Events with `listed` filled: for each party that matched a list, its best entry per list."""
    best: dict[int, dict[tuple[str, str], dict[str, object]]] = {}
    for m in sorted(filter(is_listed, matches.to_pylist()), key=lambda r: -float(r["score"])):
        parts = best.setdefault(int(m["mmsi"]), {})
        parts.setdefault(
            (str(m["list_name"]), str(m["entry_id"])),
            {
                "mmsi": m["mmsi"],
                "list": m["list_name"],
                "list_version": m["list_version"],
                "entry_id": m["entry_id"],
                "entry_name": m["entry_name"],
                "score": m["score"],
                "explanation": m["explanation"],
            },
        )
    listed = []
    for mmsi, other in zip(events.column("mmsi").to_pylist(), events.column("other_mmsi").to_pylist(), strict=True):
        parties = [p for v in (mmsi, other) if v is not None for p in best.get(v, {}).values()]
        listed.append(parties)
    index = events.schema.get_field_index("listed")
    return check(events.set_column(index, "listed", pa.array(listed, LISTED)), EVENTS)
