"""Decoded-AIS CSV files (NOAA MarineCadastre, DMA, any mapped CSV) -> canonical chunks.

Blocks of whole lines are parsed by Arrow's C++ CSV reader. When a block holds a malformed row or
a quote left open, Arrow's row count no longer matches the block's non-empty lines, so that block
alone is re-read line by line with Python's csv module. A record is one physical line: a quoted
field that runs past its line's end is a reject of that line, and reading resumes at the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import IO, Literal, cast

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from shadowfleet.core.frames import frame_of
from shadowfleet.core.lines import UNBALANCED_QUOTE, csv_fields, first_line, normalise_line_ends
from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.csv_convert import CsvConverter, arrow_types, pick_time_format
from shadowfleet.ingest.csv_layouts import CsvLayout, detect
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.sources import InputError, Opened


def read_header(head: bytes) -> list[str]:
    fields = csv_fields(first_line(head).decode("utf-8-sig", "replace"))
    return fields if isinstance(fields, list) else []


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
    for first, data, count in opened.line_blocks():
        block = _Block(data, first, count)
        if first == 1:
            block = block.without_header()
        if len(block.data) > block.data.count(b"\n"):  # not only empty lines
            yield _chunk(converter, types, block)


@dataclass
class _Block:
    """Whole CSV lines: their bytes, the number of the first, and how many there are."""

    data: bytes
    first_line: int
    count: int
    _starts: np.ndarray | None = None

    def without_header(self) -> _Block:
        cut = self.data.find(b"\n") + 1
        return _Block(self.data[cut:], self.first_line + 1, self.count - 1)

    def raw_line(self, number: int) -> bytes:
        if self._starts is None:  # only reached for rejected or noted rows
            ends = np.flatnonzero(np.frombuffer(self.data, np.uint8) == 10)
            self._starts = np.concatenate([[0], ends + 1])
        i = number - self.first_line
        start = int(self._starts[i])
        end = int(self._starts[i + 1]) - 1 if i + 1 < len(self._starts) else len(self.data)
        return self.data[start:end]

    def line_numbers(self) -> np.ndarray:
        """Numbers of the non-empty lines (Arrow skips empty ones)."""
        buf = np.frombuffer(self.data, np.uint8)
        ends = np.flatnonzero(buf == 10)
        if not len(ends) or ends[-1] != len(buf) - 1:
            ends = np.append(ends, len(buf))
        starts = np.concatenate([[0], ends[:-1] + 1])
        return (np.flatnonzero(ends > starts) + self.first_line).astype(np.int64)


def _chunk(converter: CsvConverter, types: dict[str, pa.DataType], block: _Block) -> Chunk:
    rejects = Rejects()
    layout = converter.layout
    numbers = block.line_numbers()
    data = _valid_utf8(block.data)
    frame = _parse_typed(data, numbers, layout, types)
    typed = converter.typed(frame) if frame is not None else None
    if typed is None:
        text = _parse_text(data, block.first_line, numbers, layout, rejects)
        typed = converter.text(text, rejects, block.raw_line)
    positions, static = converter.rows(typed, rejects, block.raw_line)
    return Chunk(positions, static, rejects, 0)


def _valid_utf8(data: bytes) -> bytes:
    """`data` with invalid UTF-8 replaced (U+FFFD), as every tier decodes it. Arrow must never see
    invalid UTF-8 in a malformed row: it decodes the row for its callback, and that error cannot
    be caught (it is printed as 'Exception ignored')."""
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").encode("utf-8")


def _sample(head: bytes, layout: CsvLayout) -> list[str]:
    """Time values of the first rows, to choose the time format once per file."""
    position = layout.header.index(layout.columns["ts"])
    lines = normalise_line_ends(head).decode("utf-8", "replace").split("\n")[1:-1]  # the last may be cut
    rows = [r for r in map(csv_fields, lines[:50]) if isinstance(r, list) and len(r) == len(layout.header)]
    return [r[position] for r in rows[:20]]


def _read(
    data: bytes,
    layout: CsvLayout,
    types: dict[str, pa.DataType],
    parsers: list[str] | None,
    invalid: list[str],
) -> pa.Table:
    def on_invalid(row: pacsv.InvalidRow) -> Literal["skip"]:
        # `row.text` is not touched: decoding it raises inside Arrow's callback on bad UTF-8
        invalid.append("")
        return "skip"

    # Arrow reads the buffer in place; the stubs only name paths and files
    return pacsv.read_csv(
        cast(IO[bytes], pa.py_buffer(data)),
        read_options=pacsv.ReadOptions(column_names=list(layout.header)),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            include_columns=list(types),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
            timestamp_parsers=parsers,
        ),
    )


def _with_lines(table: pa.Table, layout: CsvLayout, numbers: np.ndarray) -> pl.DataFrame:
    frame = frame_of(table)
    wanted = {header: canonical for canonical, header in layout.columns.items()}
    return frame.rename(wanted).with_columns(pl.Series("line", numbers))


def _parse_typed(
    data: bytes, numbers: np.ndarray, layout: CsvLayout, types: dict[str, pa.DataType]
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
    if invalid or table.num_rows != len(numbers):
        return None
    return _with_lines(table, layout, numbers)


def _parse_text(data: bytes, first_line: int, numbers: np.ndarray, layout: CsvLayout, rejects: Rejects) -> pl.DataFrame:
    """Exact tier input: every mapped column as text, with the line number of each row."""
    types: dict[str, pa.DataType] = {h: pa.string() for h in layout.columns.values()}
    invalid: list[str] = []
    try:
        table = _read(data, layout, types, None, invalid)
        if not invalid and table.num_rows == len(numbers):
            return _with_lines(table, layout, numbers)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        pass
    wanted = {header: canonical for canonical, header in layout.columns.items()}
    return _parse_slowly(data, first_line, layout, wanted, rejects)


def _parse_slowly(
    data: bytes, first_line: int, layout: CsvLayout, wanted: dict[str, str], rejects: Rejects
) -> pl.DataFrame:
    """Exact line numbers for a block with malformed rows or open quotes: one record per line."""
    positions = [layout.header.index(h) for h in wanted]
    columns: dict[str, list[str]] = {c: [] for c in wanted.values()}
    numbers: list[int] = []
    lines = data.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # after the block's last LF
    for offset, text in enumerate(lines):
        if not text:
            continue  # empty lines are not records
        line, record = first_line + offset, csv_fields(text)
        if isinstance(record, str):
            reason = "unbalanced_quote" if record == UNBALANCED_QUOTE else "malformed"
            rejects.add(line, reason, record, text)
            continue
        if len(record) != len(layout.header):
            rejects.add(line, "malformed", f"{len(record)} fields, the header has {len(layout.header)}", text)
            continue
        numbers.append(line)
        for name, pos in zip(wanted.values(), positions, strict=True):
            columns[name].append(record[pos])
    schema = {**dict.fromkeys(columns, pl.String), "line": pl.Int64}
    return pl.DataFrame({**columns, "line": numbers}, schema=schema)
