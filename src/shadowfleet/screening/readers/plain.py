"""In-house watchlists as plain CSV: name (required), type, imo, mmsi, country, and optionally id,
aliases (separated by ';'), programs, listed_on."""

from __future__ import annotations

from pathlib import Path

from shadowfleet.screening.entries import Entry, company_imo_valid, seven_digits, vessel_imo
from shadowfleet.screening.names import ORGANIZATION, VESSEL, country_code, schema_of
from shadowfleet.screening.readers.common import ListFile, Problem, csv_rows, parse_date, split_list


def is_plain(header: list[str]) -> bool:
    return "name" in {h.strip().lower() for h in header}


def read_plain(path: Path) -> ListFile:
    result = ListFile("csv", path.stem, [path])
    rows = csv_rows(path, "utf-8-sig")
    _, header = next(rows, (0, []))
    header = [h.strip().lower() for h in header]
    for line, row in rows:
        result.read += 1
        record = {k: v.strip() for k, v in zip(header, row, strict=False)}
        raw = ",".join(row)[:2000]
        try:
            kind = schema_of(record.get("type")) or (
                VESSEL if record.get("imo") or record.get("mmsi") else ORGANIZATION
            )
        except ValueError as exc:
            result.rejected.append(Problem(str(path), line, "bad_type", f"type: {exc}", raw))
            continue
        if not record.get("name"):
            result.rejected.append(Problem(str(path), line, "missing_field", "name is empty", raw))
            continue
        entry = Entry(record.get("id") or f"line{line}", kind, record["name"], str(path), line)
        entry.aliases = split_list(record.get("aliases"))
        entry.programs = split_list(record.get("programs"))
        entry.listed_on = parse_date(record.get("listed_on"))
        country = country_code(record.get("country"))
        entry.countries = [country] if country else []
        _numbers(entry, record, result, raw)
        result.entries.append(entry)
    return result


def _numbers(entry: Entry, record: dict[str, str], result: ListFile, raw: str) -> None:
    if record.get("imo") and entry.schema == VESSEL:
        entry.imo, why = vessel_imo(record["imo"])
        if why:
            result.warnings.append(Problem(entry.source, entry.line, "invalid_imo", why, raw))
    elif record.get("imo"):
        number = seven_digits(record["imo"])
        if number is not None and company_imo_valid(number):
            entry.company_imo = number
        else:
            detail = f"imo {record['imo']!r} is not a valid company IMO number"
            result.warnings.append(Problem(entry.source, entry.line, "invalid_company_imo", detail, raw))
    mmsi = record.get("mmsi", "")
    if mmsi.isdigit() and len(mmsi) == 9:
        entry.mmsi = int(mmsi)
    elif mmsi:
        result.warnings.append(Problem(entry.source, entry.line, "invalid_mmsi", f"mmsi {mmsi!r} is not 9 digits", raw))
    if entry.schema == VESSEL:
        entry.flag = entry.countries[0] if entry.countries else None
