"""Every vessel in the AIS store screened from what it broadcast, and events told who is listed.

A vessel is screened once per identity it used (MMSI with each IMO and name it sent), because a hull
that broadcast a listed name or IMO for one afternoon matters as much as one that always did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pyarrow as pa

from shadowfleet.core.identifiers import mid_table
from shadowfleet.core.schema import EVENTS, LISTED, VESSEL_MATCHES, check
from shadowfleet.screening.lists import Lists
from shadowfleet.screening.names import VESSEL, country_code
from shadowfleet.screening.network import is_listed
from shadowfleet.screening.screener import Match, Query, Screener
from shadowfleet.store import layout
from shadowfleet.store.queries import Identity, identities
from shadowfleet.store.store import Store


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
    store.write(layout.MATCHES, matches)
    return matches


def screen_events(store: Store, events: pa.Table) -> tuple[pa.Table, pa.Table | None]:
    """The store's vessels screened, and `events` told which of their parties are listed."""
    matches = screen_store(store)
    return (events if matches is None else annotate(events, matches)), matches


def load_matches(store: Store) -> pa.Table | None:
    return store.read(layout.MATCHES)


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
