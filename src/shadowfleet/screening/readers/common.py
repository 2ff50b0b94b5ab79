"""What every list reader returns, and the small parsing helpers they share."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from shadowfleet.screening.entries import Entry


@dataclass(frozen=True)
class Problem:
    """A record rejected, or a field dropped from an accepted record, with where and why."""

    source: str
    line: int
    reason: str  # machine-readable code
    detail: str  # one sentence naming the field and the value
    raw: str


@dataclass
class ListFile:
    """One official list read from its file(s): read = accepted + rejected."""

    kind: str
    default_name: str
    sources: list[Path]
    entries: list[Entry] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # accepted records with a field dropped
    read: int = 0
    published: date | None = None  # the list's own date where the file states it


def csv_rows(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, fields) for each record; quoted fields may span lines."""
    text = path.read_bytes().decode(encoding, errors="replace")
    text = text[:-1] if text.endswith("\x1a") else text  # the DOS end-of-file mark OFAC's files end with
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for row in reader:
        if row and any(cell.strip() for cell in row):
            yield start, row
        start = reader.line_num + 1


def split_list(text: str | None, sep: str = ";") -> list[str]:
    return [part.strip() for part in (text or "").split(sep) if part.strip()]


def parse_date(text: str | None) -> date | None:
    """ISO dates, d.m.yyyy (EU journal) and bare years are what the lists use."""
    if not text or not text.strip():
        return None
    text = text.strip()
    for form in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y"):
        try:
            return datetime.strptime(text[: len(datetime.now().strftime(form))], form).date()
        except ValueError:
            continue
    return None
