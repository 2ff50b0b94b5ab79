"""Decoded-AIS CSV files (NOAA MarineCadastre, DMA, any mapped CSV) -> canonical chunks.

Blocks of whole lines are parsed by Arrow's C++ CSV reader. When a block holds a malformed row,
a blank line or a quoted line break, Arrow's row count no longer tells line numbers, so that block
alone is re-read with Python's csv module, which does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from shadowfleet.core.frames import frame_of
from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.csv_convert import CsvConverter, arrow_types, pick_time_format
from shadowfleet.ingest.csv_layouts import CsvLayout, detect
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.sources import InputError, Opened


def read_header(head: bytes) -> list[str]:
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", "replace").rstrip("\r")
    return next(csv.reader([first]), [])


def read_csv(
    opened: Opened, source: str, columns: dict[str, str] | None = None, time_format: str | None = None
) -> Iterator[Chunk]:
    header = read_header(opened.head)
    try:
        layout = detect(header, columns, time_format)
    except ValueError as exc:
        raise InputError(f"{source}: line 1: {exc}") from exc
    if layout.time_format is None:
        layout = replace(layout, time_format=pick_time_format(_sample(opened.head, layout)))
    converter = CsvConverter(layout, source)
    types = arrow_types(layout)
    for first_line, data, count in opened.line_blocks():
        block = _Block(data, first_line, count)
        if first_line == 1:
            block = block.without_header()
        if block.data.strip():
            yield _chunk(converter, types, block)


@dataclass
class _Block:
    """Whole CSV lines: their bytes, the number of the first, and how many there are."""

    data: bytes
    first_line: int
    count: int

    def without_header(self) -> _Block:
        cut = self.data.find(b"\n") + 1
        return _Block(self.data[cut:], self.first_line + 1, self.count - 1)

    def raw_line(self, number: int) -> bytes:
        start = 0
        for _ in range(number - self.first_line):  # only reached for rejected rows
            start = self.data.index(b"\n", start) + 1
        end = self.data.find(b"\n", start)
        return self.data[start : end if end >= 0 else None].rstrip(b"\r")


def _chunk(converter: CsvConverter, types: dict[str, pa.DataType], block: _Block) -> Chunk:
    rejects = Rejects()
    layout = converter.layout
    frame = _parse_typed(block.data, block.first_line, block.count, layout, types)
    typed = converter.typed(frame) if frame is not None else None
    if typed is None:
        text = _parse_text(block.data, block.first_line, block.count, layout, rejects)
        typed = converter.text(text, rejects, block.raw_line)
    positions, static = converter.rows(typed)
    return Chunk(positions, static, rejects, 0)


def _sample(head: bytes, layout: CsvLayout) -> list[str]:
    """Time values of the first rows, to choose the time format once per file."""
    position = layout.header.index(layout.columns["ts"])
    rows = csv.reader(io.StringIO(head.decode("utf-8", "replace")))
    next(rows, None)
    return [r[position] for r, _ in zip(rows, range(20), strict=False) if len(r) == len(layout.header)]


def _read(
    data: bytes,
    layout: CsvLayout,
    types: dict[str, pa.DataType],
    parsers: list[str] | None,
    invalid: list[str],
) -> pa.Table:
    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row.text)
        return "skip"

    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=list(layout.header)),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            include_columns=list(types),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
            timestamp_parsers=parsers,
        ),
    )


def _with_lines(table: pa.Table, layout: CsvLayout, first_line: int, count: int) -> pl.DataFrame:
    frame = frame_of(table)
    wanted = {header: canonical for canonical, header in layout.columns.items()}
    return frame.rename(wanted).with_columns(
        pl.Series("line", np.arange(first_line, first_line + count, dtype=np.int64))
    )


def _parse_typed(
    data: bytes, first_line: int, count: int, layout: CsvLayout, types: dict[str, pa.DataType]
) -> pl.DataFrame | None:
    """Fast tier: Arrow parses and types every column; None when any value or row does not fit."""
    fmt = layout.time_format
    iso = fmt is None or fmt.startswith(("%Y-%m-%dT", "%Y-%m-%d %H"))
    parsers = None if iso else [(fmt or "").replace("%.f", "")]
    invalid: list[str] = []
    try:
        table = _read(data, layout, types, parsers, invalid)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if invalid or table.num_rows != count:
        return None
    return _with_lines(table, layout, first_line, count)


def _parse_text(data: bytes, first_line: int, count: int, layout: CsvLayout, rejects: Rejects) -> pl.DataFrame:
    """Exact tier input: every mapped column as text, with the line number of each row."""
    types = {h: pa.string() for h in layout.columns.values()}
    invalid: list[str] = []
    try:
        table = _read(data, layout, types, None, invalid)
        if not invalid and table.num_rows == count:
            return _with_lines(table, layout, first_line, count)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        pass
    wanted = {header: canonical for canonical, header in layout.columns.items()}
    return _parse_slowly(data, first_line, layout, wanted, rejects)


def _parse_slowly(
    data: bytes, first_line: int, layout: CsvLayout, wanted: dict[str, str], rejects: Rejects
) -> pl.DataFrame:
    """Exact line numbers for a block with malformed rows, blank lines or quoted line breaks."""
    positions = [layout.header.index(h) for h in wanted]
    columns: dict[str, list[str]] = {c: [] for c in wanted.values()}
    numbers: list[int] = []
    text = data.decode("utf-8", "replace")
    text_lines = text.split("\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    consumed = 0  # lines of the block read before the current record
    for record in reader:
        line, record_lines = first_line + consumed, text_lines[consumed : reader.line_num]
        consumed = reader.line_num
        if not record or record == [""]:
            continue  # blank lines are not records
        if len(record) != len(layout.header):
            detail = f"{len(record)} fields, the header has {len(layout.header)}"
            rejects.add(line, "malformed", detail, "\n".join(r.rstrip("\r") for r in record_lines))
            continue
        numbers.append(line)
        for name, pos in zip(wanted.values(), positions, strict=True):
            columns[name].append(record[pos])
    schema = {**dict.fromkeys(columns, pl.String), "line": pl.Int64}
    return pl.DataFrame({**columns, "line": numbers}, schema=schema)
