"""Events out to a file outside the store (`detect --out`), in the format its name asks for: Parquet,
CSV, GeoJSON or JSON lines. The store keeps its own copy through `Store.upsert_events`.

Writing over an existing Parquet or JSON-lines file upserts: events whose id is in the new run
replace the old ones, the rest stay. Text formats give times as ISO-8601 and evidence as JSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from shadowfleet.core.schema import EVENTS, check
from shadowfleet.store.store import Superseded
from shadowfleet.store.store import upsert as merge_events

FORMATS = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".geojson": "geojson",
    ".json": "geojson",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def format_of(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"{path}: unknown output format; use one of {', '.join(sorted(FORMATS))}") from None


def _records(events: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = events.to_pylist()
    for r in rows:
        r["start_time"], r["end_time"] = r["start_time"].isoformat(), r["end_time"].isoformat()
        r["details"] = json.loads(r["details"])
    return rows


def read_events(path: Path) -> pa.Table:
    kind = format_of(path)
    if kind == "parquet":
        return check(pq.read_table(path), EVENTS)
    if kind == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for r in rows:
            r["details"] = json.dumps(r["details"], sort_keys=True)
        table = pa.Table.from_pylist(rows)
        return check(
            table.set_column(
                table.schema.get_field_index("start_time"),
                "start_time",
                table.column("start_time").cast(pa.timestamp("us", tz="UTC")),
            ).set_column(
                table.schema.get_field_index("end_time"),
                "end_time",
                table.column("end_time").cast(pa.timestamp("us", tz="UTC")),
            ),
            EVENTS,
        )
    raise ValueError(f"{path}: only Parquet and JSON lines are read back")


def upsert(events: pa.Table, path: Path, superseded: Superseded | None = None) -> pa.Table:
    """The events to write: the new ones plus those of an earlier run that they do not replace (same id,
    or `superseded`: in the new run's window)."""
    if not path.exists() or format_of(path) not in ("parquet", "jsonl"):
        return events
    return merge_events(events, read_events(path), superseded)


def write_events(events: pa.Table, path: Path, superseded: Superseded | None = None) -> int:
    """Write atomically (temporary file, then rename); returns the number of events in the file."""
    kind = format_of(path)
    events = upsert(check(events, EVENTS), path, superseded)
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        pq.write_table(events, tmp, compression="zstd")
    elif kind == "csv":
        flat = events.drop_columns(["evidence", "listed"])
        for nested in ("evidence", "listed"):
            flat = flat.append_column(nested, pa.array([json.dumps(e) for e in events.column(nested).to_pylist()]))
        pacsv.write_csv(flat, tmp)
    elif kind == "jsonl":
        tmp.write_text("".join(json.dumps(r) + "\n" for r in _records(events)), encoding="utf-8")
    else:
        features = [
            {
                "type": "Feature",
                "geometry": None if r["lat"] is None else {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")},
            }
            for r in _records(events)
        ]
        tmp.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    os.replace(tmp, path)
    return int(events.num_rows)
