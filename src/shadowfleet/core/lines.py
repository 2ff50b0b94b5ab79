"""Physical lines out of a stream of byte blocks, with bounded memory.

A line ends at LF, CRLF or a lone CR (old Mac logs, some receivers): all three become LF, so
every reader counts the same physical lines. A line longer than `MAX_LINE_BYTES` is cut out,
leaving an empty line in its place so the numbering holds, and is listed in `long_lines` for the
caller to reject: one over-long line costs one reject and constant memory, not a copy per block.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

MAX_LINE_BYTES = 1 << 20  # an AIS record is under 1 KiB; a CSV row with every field filled, a few KiB
HEAD_BYTES = 200  # how much of an over-long line the reject keeps
# Lines are capped, so a field can be as long as a line: the csv module's default limit (128 KiB)
# would otherwise reject a long field, or not, depending on which library raised it first.
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))


@dataclass(frozen=True)
class LongLine:
    line: int
    size: int
    head: bytes
    limit: int = MAX_LINE_BYTES

    @property
    def detail(self) -> str:
        return f"line of {self.size:,} bytes is longer than the {self.limit:,}-byte limit; skipped"


def normalise_line_ends(data: bytes) -> bytes:
    """CRLF and lone CR -> LF."""
    if b"\r" not in data:
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def first_line(data: bytes) -> bytes:
    """The first physical line of `data` (any line end), without its end."""
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    return data[: min(ends)] if ends else data


@dataclass
class LineSplitter:
    """Feed blocks in, get whole lines out: `(number of the first line, bytes ending in LF, count)`."""

    line_no: int = 1
    max_line: int = MAX_LINE_BYTES
    long_lines: list[LongLine] = field(default_factory=list)
    _carry: bytes = b""
    _cr: bytes = b""  # a CR at a block's end: its LF, if any, is in the next block
    _long: LongLine | None = None  # the over-long line being skipped

    def feed(self, block: bytes) -> Iterator[tuple[int, bytes, int]]:
        block = self._cr + block
        self._cr = b""
        if block.endswith(b"\r"):
            block, self._cr = block[:-1], b"\r"
        yield from self._split(normalise_line_ends(block))

    def finish(self) -> Iterator[tuple[int, bytes, int]]:
        """The last line, if the input does not end with a line end."""
        if self._cr:
            self._cr = b""
            yield from self._split(b"\n")
        if self._long is not None:
            self._end_long(self._long.size)
            yield self.line_no, b"\n", 1
            self.line_no += 1
        elif self._carry:
            data, self._carry = self._carry + b"\n", b""
            yield self.line_no, data, 1
            self.line_no += 1

    def _split(self, block: bytes) -> Iterator[tuple[int, bytes, int]]:
        prefix = b""
        if self._long is not None:
            end = block.find(b"\n")
            if end < 0:
                self._long = LongLine(self._long.line, self._long.size + len(block), self._long.head, self.max_line)
                return
            self._end_long(self._long.size + end)
            prefix, block = b"\n", block[end + 1 :]
        data = prefix + self._carry + block if self._carry or prefix else block
        cut = data.rfind(b"\n") + 1
        self._carry = data[cut:]
        if cut:
            whole = self._cut_long_lines(data[:cut]) if cut > self.max_line else data[:cut]
            count = whole.count(b"\n")
            yield self.line_no, whole, count
            self.line_no += count
        if len(self._carry) > self.max_line:
            self._long = LongLine(self.line_no, len(self._carry), self._carry[:HEAD_BYTES], self.max_line)
            self._carry = b""

    def _end_long(self, size: int) -> None:
        assert self._long is not None
        self.long_lines.append(LongLine(self._long.line, size, self._long.head, self.max_line))
        self._long = None

    def _cut_long_lines(self, data: bytes) -> bytes:
        """Whole lines with each over-long one replaced by an empty line."""
        ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
        starts = np.concatenate([[0], ends[:-1] + 1])
        long_at = np.flatnonzero(ends - starts > self.max_line)
        if not len(long_at):
            return data
        pieces, last = [], 0
        for k in long_at.tolist():
            start, end = int(starts[k]), int(ends[k])
            self.long_lines.append(
                LongLine(self.line_no + k, end - start, data[start : start + HEAD_BYTES], self.max_line)
            )
            pieces.append(data[last:start])
            last = end  # keep its LF: an empty line in its place
        pieces.append(data[last:])
        return b"".join(pieces)


UNBALANCED_QUOTE = "unbalanced quote: a quoted field runs past the end of the line"


def csv_fields(line: str) -> list[str] | str:
    """The fields of one CSV line, or why it is not one.

    A record is one physical line: a quote left open at the line's end is that line's fault, and
    never swallows the lines after it. A stray quote inside a field is read leniently, as Arrow's
    parser reads it."""
    try:
        return next(csv.reader((line,), strict=True), [])
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return UNBALANCED_QUOTE
    try:
        return next(csv.reader((line,)), [])
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        return f"not a CSV line ({exc})"


@dataclass(frozen=True)
class CsvLine:
    """One physical line of a small CSV file: its fields, or why it has none (`problem`)."""

    line: int
    text: str
    fields: list[str]
    problem: tuple[str, str] | None = None  # (reason code, detail)


def csv_file_lines(path: Path, encoding: str = "utf-8-sig") -> Iterator[CsvLine]:
    """Each non-blank physical line of a CSV file (LF, CRLF or CR ends), one record per line.

    Memory is bounded by `MAX_LINE_BYTES` per line; an over-long line is one problem line."""
    with path.open(encoding=encoding, errors="replace", newline=None) as fh:
        number = 0
        while True:
            text = fh.readline(MAX_LINE_BYTES)
            if not text:
                return
            number += 1
            if not text.endswith("\n") and len(text) == MAX_LINE_BYTES:
                size = len(text) + _skip_rest_of_line(fh)
                detail = f"line of {size:,} characters is longer than the {MAX_LINE_BYTES:,} limit; skipped"
                yield CsvLine(number, text[:HEAD_BYTES], [], ("line_too_long", detail))
                continue
            text = text.rstrip("\n").removesuffix("\x1a")  # the DOS end-of-file mark some exports end with
            if not text.strip():
                continue
            fields = csv_fields(text)
            if isinstance(fields, str):
                reason = "unbalanced_quote" if fields == UNBALANCED_QUOTE else "malformed"
                yield CsvLine(number, text, [], (reason, fields))
            else:
                yield CsvLine(number, text, fields)


def _skip_rest_of_line(fh: TextIO) -> int:
    skipped = 0
    while piece := fh.readline(MAX_LINE_BYTES):
        skipped += len(piece)
        if piece.endswith("\n"):
            break
    return skipped
