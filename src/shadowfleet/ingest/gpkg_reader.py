"""GeoPackage point layers (e.g. MovingPandas/QGIS exports) -> canonical chunks.

Each feature table with a POINT geometry in WGS 84 is read like a CSV whose columns are the
table's attributes plus the point's longitude and latitude, so the same column synonyms,
`--columns` mapping and per-field rejects apply. The row number within the table is the `line`.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import replace

import polars as pl

from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.csv_convert import CsvConverter, pick_time_format
from shadowfleet.ingest.csv_layouts import detect
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.sources import InputError

ROWS_PER_CHUNK = 200_000
_LON, _LAT = "__lon", "__lat"
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def point(blob: bytes | None) -> tuple[float | None, float | None]:
    """(lon, lat) of a GeoPackage geometry blob holding a WKB point; (None, None) if empty or not a point."""
    if not blob or blob[:2] != b"GP" or len(blob) < 8:
        return None, None
    flags = blob[3]
    start = 8 + _ENVELOPE_BYTES.get((flags >> 1) & 7, 0)
    if flags & 0x10 or len(blob) < start + 21:  # the empty-geometry flag, or too short for a point
        return None, None
    order = "<" if blob[start] == 1 else ">"
    (kind,) = struct.unpack_from(f"{order}I", blob, start + 1)
    if kind % 1000 != 1:
        return None, None
    x, y = struct.unpack_from(f"{order}dd", blob, start + 5)
    return x, y


def _point_layers(con: sqlite3.Connection, source: str) -> list[tuple[str, str]]:
    try:
        rows = con.execute(
            "SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id FROM gpkg_contents c "
            "JOIN gpkg_geometry_columns g USING (table_name) WHERE c.data_type = 'features'"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{source}: SQLite file but not a GeoPackage ({exc})") from exc
    layers = [(t, g) for t, g, kind, srs in rows if str(kind).upper() == "POINT" and srs in (4326, 4979)]
    if not layers:
        found = ", ".join(f"{t} ({k}, EPSG:{s})" for t, _, k, s in rows) or "none"
        raise InputError(f"{source}: no point layer in WGS 84 (EPSG:4326) to read; feature tables: {found}")
    return layers


def read_gpkg(
    path: str, source: str, columns: dict[str, str] | None = None, time_format: str | None = None
) -> Iterator[Chunk]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"{source}: cannot open as SQLite ({exc})") from exc
    try:
        layers = _point_layers(con, source)
        for table, geometry in layers:
            name = source if len(layers) == 1 else f"{source}::{table}"
            yield from _read_layer(con, table, geometry, name, columns, time_format)
    finally:
        con.close()


def _read_layer(
    con: sqlite3.Connection,
    table: str,
    geometry: str,
    source: str,
    columns: dict[str, str] | None,
    time_format: str | None,
) -> Iterator[Chunk]:
    cursor = con.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cursor.description]
    attributes = [n for n in names if n != geometry]
    try:
        layout = detect([*attributes, _LON, _LAT], {"lon": _LON, "lat": _LAT, **(columns or {})}, time_format)
    except ValueError as exc:
        raise InputError(f"{source}: layer {table}: {exc}") from exc
    converter: CsvConverter | None = None
    geometry_at = names.index(geometry)
    wanted = {canonical: names.index(header) for canonical, header in layout.columns.items() if header in names}
    first = 1
    while rows := cursor.fetchmany(ROWS_PER_CHUNK):
        text = _text_columns(rows, wanted, geometry_at, first)
        if converter is None:
            fmt = layout.time_format or pick_time_format([str(v) for v in text["ts"].head(20).drop_nulls()])
            converter = CsvConverter(replace(layout, time_format=fmt), source)
        rejects = Rejects()
        typed = converter.text(text, rejects, _RawRows(rows, first, geometry_at))
        positions, static = converter.rows(typed, rejects, _RawRows(rows, first, geometry_at))
        yield Chunk(positions, static, rejects, 0)
        first += len(rows)


class _RawRows:
    """The raw text of a rejected row: its attribute values (the geometry blob left out)."""

    def __init__(self, rows: list[tuple[object, ...]], first: int, geometry_at: int) -> None:
        self.rows, self.first, self.geometry_at = rows, first, geometry_at

    def __call__(self, line: int) -> bytes:
        row = self.rows[line - self.first]
        return repr(tuple(v for k, v in enumerate(row) if k != self.geometry_at)).encode()


def _text_columns(rows: list[tuple[object, ...]], wanted: dict[str, int], geometry_at: int, first: int) -> pl.DataFrame:
    """The mapped attributes as text (what the CSV exact tier reads) and the point as lon/lat text."""
    points = [point(r[geometry_at]) for r in rows]  # type: ignore[arg-type]
    data: dict[str, list[str | None]] = {
        canonical: [None if r[at] is None else str(r[at]) for r in rows] for canonical, at in wanted.items()
    }
    data["lon"] = [None if p[0] is None else repr(p[0]) for p in points]
    data["lat"] = [None if p[1] is None else repr(p[1]) for p in points]
    frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
    return frame.with_columns(pl.int_range(first, first + len(rows), dtype=pl.Int64).alias("line"))
