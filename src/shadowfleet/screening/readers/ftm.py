"""FollowTheMoney-shaped lists: OpenSanctions JSON lines and FtM-aligned CSV (the EU DPRK annex)."""

from __future__ import annotations

import json
from pathlib import Path

from shadowfleet.screening.entries import Entry, vessel_imo
from shadowfleet.screening.names import ORGANIZATION, PERSON, VESSEL, country_code
from shadowfleet.screening.readers.common import ListFile, Problem, csv_rows, parse_date, split_list

_SCHEMATA = {
    "Vessel": VESSEL,
    "Person": PERSON,
    **{s: ORGANIZATION for s in ("Organization", "Company", "LegalEntity", "PublicBody")},
}
_COUNTRY_PROPS = ("country", "nationality", "jurisdiction", "citizenship")
FTM_CSV_COLUMNS = frozenset({"schema", "name", "imoNumber"})


def is_ftm_csv(header: list[str]) -> bool:
    return set(header) >= FTM_CSV_COLUMNS


def from_properties(
    entry_id: str, schema: str, props: dict[str, list[str]], where: tuple[str, int, str], result: ListFile
) -> None:
    """Add one FtM entity (properties as lists of strings) to `result`, or reject it with the reason."""
    source, line, raw = where
    kind = _SCHEMATA.get(schema)
    names = props.get("name", [])
    if kind is None or not names:
        why = f"schema {schema!r} is not screened" if kind is None else "no name"
        result.rejected.append(Problem(source, line, "unsupported_type" if kind is None else "missing_field", why, raw))
        return
    entry = Entry(entry_id, kind, names[0], source, line, aliases=names[1:] + props.get("alias", []))
    entry.former_names = props.get("previousName", [])
    entry.programs = props.get("program", []) + props.get("programId", [])
    entry.countries = sorted({c for p in _COUNTRY_PROPS for v in props.get(p, []) if (c := country_code(v))})
    remarks = "; ".join(props.get("notes", []) + props.get("reason", []))
    entry.remarks = remarks or None
    entry.listed_on = min(filter(None, (parse_date(d) for d in props.get("startDate", []))), default=None)
    for text in props.get("imoNumber", []):
        number, problem = vessel_imo(text)
        if kind == VESSEL and number:
            entry.imo = number
        elif kind == ORGANIZATION and text.strip().removeprefix("IMO").isdigit():
            entry.company_imo = int(text.strip().removeprefix("IMO"))
        elif problem:
            result.warnings.append(Problem(source, line, "invalid_imo", problem, raw))
    mmsi = [m for m in props.get("mmsi", []) if m.strip().isdigit() and len(m.strip()) == 9]
    entry.mmsi = int(mmsi[0]) if mmsi else None
    entry.flag = next(filter(None, (country_code(f) for f in props.get("flag", []))), None)
    result.entries.append(entry)


def read_ftm_csv(path: Path) -> ListFile:
    result = ListFile("ftm-csv", path.stem, [path])
    rows = csv_rows(path)
    _, header = next(rows, (0, []))
    seen: dict[str, int] = {}
    for line, row in rows:
        result.read += 1
        record = dict(zip(header, row, strict=False))
        props = {k: split_list(v) for k, v in record.items() if v and v.strip()}
        props["program"] = split_list(record.get("programKey"))
        ident = "-".join(filter(None, (record.get("annex"), record.get("recordId")))) or f"line{line}"
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] > 1:  # the EU annexes reuse record numbers across vessels and firms
            ident = f"{ident}-line{line}"
        from_properties(ident, record.get("schema", ""), props, (str(path), line, ",".join(row)[:2000]), result)
    return result


def read_ftm_json(path: Path) -> ListFile:
    result = ListFile("ftm-json", path.stem, [path])
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, 1):
            if not text.strip():
                continue
            result.read += 1
            try:
                record = json.loads(text)
                props = {k: [str(v) for v in vs] for k, vs in record.get("properties", {}).items()}
                ident, schema = str(record["id"]), str(record["schema"])
            except (ValueError, KeyError, AttributeError, TypeError) as exc:
                result.rejected.append(Problem(str(path), line, "bad_json", f"not an FtM entity: {exc}", text[:2000]))
                continue
            if record.get("first_seen") and not props.get("startDate"):
                props["startDate"] = [str(record["first_seen"])[:10]]
            from_properties(ident, schema, props, (str(path), line, text[:2000]), result)
    return result
