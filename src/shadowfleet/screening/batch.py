"""The bank's and insurer's batch: counterparties in, hits with explanations out; and pair scoring.

Every input row is screened or rejected with its line and reason; read = screened + rejected.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shadowfleet.core.lines import csv_file_lines
from shadowfleet.screening.compare import Party, compare
from shadowfleet.screening.features import explain, total
from shadowfleet.screening.names import VESSEL, country_code, schema_of
from shadowfleet.screening.pair_metrics import label_of
from shadowfleet.screening.readers.common import Problem
from shadowfleet.screening.screener import Match, Query, Screener

HIT_COLUMNS = (
    "line", "input_name", "input_type", "score", "list", "list_version", "entry_id", "entry_name", "schema",
    "programs", "flags", "explanation", "explanation_json", "entry_source",
)  # fmt: skip
SCORE_COLUMNS = ("line", "id", "group", "label", "schema", "name1", "name2", "score", "explanation", "explanation_json")


@dataclass
class BatchResult:
    read: int = 0
    screened: int = 0
    hits: int = 0
    parties_hit: int = 0
    rejected: list[Problem] = field(default_factory=list)


def _number(record: dict[str, str], column: str, digits: int) -> int | None:
    text = record.get(column, "").strip().upper().removeprefix("IMO").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > digits:
        raise ValueError(f"{column} {record[column]!r} is not a number of up to {digits} digits")
    return int(text)


def _records(path: Path) -> Iterator[tuple[int, dict[str, str] | None, str, tuple[str, str] | None]]:
    """(line, record, raw, problem) per non-blank line; a record is one physical line, so an
    unbalanced quote costs its own line (a reject with the reason), never the lines after it."""
    lines = csv_file_lines(path)
    first = next(lines, None)
    header = [h.strip().lower() for h in first.fields] if first is not None else []
    if "name" not in header and "name1" not in header:
        raise ValueError(f"{path}: no 'name' column in the header ({', '.join(header) or 'empty file'})")
    for row in lines:
        record = None if row.problem else {k: v.strip() for k, v in zip(header, row.fields, strict=False)}
        yield row.line, record, row.text[:2000], row.problem


def query_of(record: dict[str, str], line: int) -> Query:
    schema = schema_of(record.get("type"))
    imo, mmsi = _number(record, "imo", 7), _number(record, "mmsi", 9)
    if not record.get("name") and not imo and not mmsi:
        raise ValueError("name, imo and mmsi are all empty")
    country = record.get("country") or None
    code = country_code(country) if country else None
    if country and code is None:
        raise ValueError(f"country {country!r} is not a country shadowfleet knows")
    return Query(record.get("name") or None, schema, imo, mmsi, code, str(line))


def _hit(line: int, record: dict[str, str], match: Match) -> dict[str, object]:
    m = match.to_json()
    return {
        "line": line,
        "input_name": record.get("name", ""),
        "input_type": record.get("type", ""),
        "score": m["score"],
        "list": m["list"],
        "list_version": m["list_version"],
        "entry_id": m["entry_id"],
        "entry_name": m["entry_name"],
        "schema": m["schema"],
        "programs": ";".join(m["programs"]),
        "flags": ";".join(m["flags"]),
        "explanation": match.explanation,
        "explanation_json": json.dumps(m["explanation"]),
        "entry_source": m["source"],
    }


Handler = Callable[[int, dict[str, str]], list[dict[str, object]]]


def _each_row(
    path: Path, out: Path, columns: tuple[str, ...], handle: Handler, tick: Callable[[int], None] | None
) -> BatchResult:
    """Read `path` row by row; each row gives its output rows or is rejected (ValueError) with its line."""
    result = BatchResult()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        for line, record, raw, problem in _records(path):
            result.read += 1
            if tick:
                tick(result.read)
            if record is None or problem is not None:
                reason, detail = problem or ("malformed", "not a CSV line")
                result.rejected.append(Problem(str(path), line, reason, detail, raw))
                continue
            try:
                rows = handle(line, record)
            except ValueError as exc:
                result.rejected.append(Problem(str(path), line, "bad_row", str(exc), raw))
                continue
            result.screened += 1
            result.hits += len(rows)
            result.parties_hit += bool(rows)
            writer.writerows(rows)
    tmp.replace(out)
    return result


def screen_batch(
    path: Path, out: Path, screener: Screener, threshold: float | None, tick: Callable[[int], None] | None = None
) -> BatchResult:
    """Screen every row of `path`, writing the hits to `out` (CSV) and returning the counts."""

    def hits(line: int, record: dict[str, str]) -> list[dict[str, object]]:
        return [_hit(line, record, m) for m in screener.screen(query_of(record, line), threshold)]

    return _each_row(path, out, HIT_COLUMNS, hits, tick)


def _side(record: dict[str, str], n: int, schema: str) -> Party:
    imo, mmsi = _number(record, f"imo{n}", 7), _number(record, f"mmsi{n}", 9)
    country = country_code(record.get(f"country{n}")) if record.get(f"country{n}") else None
    return Query(record.get(f"name{n}") or None, schema, imo, mmsi, country).party(schema)


def _pair(line: int, record: dict[str, str]) -> list[dict[str, object]]:
    schema = schema_of(record.get("schema")) or VESSEL
    left, right = _side(record, 1, schema), _side(record, 2, schema)
    if not left.names and not right.names and not (left.imo or left.mmsi):
        raise ValueError("both records are empty")
    label = record.get("label", "")
    label_of(label)  # an unknown label word rejects the row, with its line
    score, parts = total(compare(left, right, bridge=True))
    return [
        {
            "line": line,
            "id": record.get("id", ""),
            "group": record.get("group", ""),
            "label": label,
            "schema": schema,
            "name1": record.get("name1", ""),
            "name2": record.get("name2", ""),
            "score": score,
            "explanation": explain(parts),
            "explanation_json": json.dumps([p.to_json() for p in parts]),
        }
    ]


def score_pairs(path: Path, out: Path) -> BatchResult:
    """Score each pair of records in `path` (schema, name1, name2, optional imo/mmsi/country 1 and 2); every
    pair read gives one row, scored 0 when nothing matches."""
    return _each_row(path, out, SCORE_COLUMNS, _pair, None)
