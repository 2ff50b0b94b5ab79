"""OFAC's legacy SDN CSV set: sdn.csv with optional alt.csv, add.csv and sdn_comments.csv.

Vessel facts live in free-text remarks (reference.md §4): `Vessel Registration Identification IMO n`,
`MMSI n`, `f.k.a. 'NAME'`, `Linked To: NAME.`; companies carry `Company Number IMO n`.
"""

from __future__ import annotations

import re
from pathlib import Path

from shadowfleet.screening.entries import Entry, company_imo_valid, vessel_imo
from shadowfleet.screening.names import ORGANIZATION, PERSON, VESSEL, country_code
from shadowfleet.screening.readers.common import ListFile, Problem, csv_rows

FILES = ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
_NULL = "-0-"
_IMO = re.compile(r"(?:Vessel Registration Identification|Identification Number)(?: IMO)?\s+(\d{7})\b")
_MMSI = re.compile(r"\bMMSI (\d{9})\b")
_COMPANY_IMO = re.compile(r"(?:Company Number|Identification Number) IMO (\d{7})")
_FKA = re.compile(r"f\.k\.a\. '([^']+)'")
_AKA = re.compile(r"a\.k\.a\. '([^']+)'")
_LINKED = re.compile(r"Linked To: ([^;]+)")
_TYPES = {"vessel": VESSEL, "individual": PERSON, "": ORGANIZATION}


def _cell(text: str) -> str:
    text = text.strip()
    return "" if text == _NULL else text


def is_ofac(path: Path) -> bool:
    return path.name.lower() in FILES


def read_ofac(paths: list[Path]) -> ListFile:
    by_name = {p.name.lower(): p for p in paths}
    if "sdn.csv" not in by_name:
        raise ValueError(f"{', '.join(map(str, paths))}: an OFAC set needs sdn.csv (alt, add, sdn_comments optional)")
    sdn = by_name["sdn.csv"]
    result = ListFile("ofac-sdn", "ofac-sdn", [by_name[n] for n in FILES if n in by_name])
    extra = {k: "".join(v for _, v in parts) for k, parts in _pairs(by_name.get("sdn_comments.csv"), 1).items()}
    aliases = _pairs(by_name.get("alt.csv"), 3, kind_col=2)
    countries = _pairs(by_name.get("add.csv"), 4)
    for line, row in csv_rows(sdn, "cp1252"):
        result.read += 1
        raw = ",".join(row)
        if len(row) < 12 or not row[0].strip().isdigit():
            result.rejected.append(Problem(str(sdn), line, "bad_row", f"expected 12 fields, got {len(row)}", raw))
            continue
        kind = _TYPES.get(_cell(row[2]).lower())
        if kind is None:
            result.rejected.append(
                Problem(str(sdn), line, "unsupported_type", f"SDN_Type {row[2].strip()!r} is not screened", raw)
            )
            continue
        ent = int(row[0])
        remarks = _cell(row[11]) + extra.get(str(ent), "")
        entry = Entry(str(ent), kind, _cell(row[1]), str(sdn), line, remarks=remarks or None)
        entry.programs = [p.strip() for p in _cell(row[3]).strip("[]").split("] [") if p.strip()]
        _remarks(entry, remarks, result)
        for alt_kind, name in aliases.get(str(ent), []):
            (entry.former_names if alt_kind == "fka" else entry.aliases).append(name)
        entry.aliases, entry.former_names = list(dict.fromkeys(entry.aliases)), list(dict.fromkeys(entry.former_names))
        entry.countries = sorted({c for _, place in countries.get(str(ent), []) if (c := country_code(place))})
        if kind == VESSEL:
            entry.flag = country_code(_cell(row[9]))
            entry.linked_to += [_cell(row[10])] if _cell(row[10]) else []
        result.entries.append(entry)
    return result


def _remarks(entry: Entry, remarks: str, result: ListFile) -> None:
    entry.former_names = list(dict.fromkeys(_FKA.findall(remarks)))
    entry.aliases = list(dict.fromkeys(_AKA.findall(remarks)))
    entry.linked_to = [m.strip().rstrip(".").strip() for m in _LINKED.findall(remarks)]
    if (found := _MMSI.search(remarks)) is not None:
        entry.mmsi = int(found.group(1))
    if entry.schema == VESSEL and (found := _IMO.search(remarks)) is not None:
        entry.imo, why = vessel_imo(found.group(1))
        if why:
            result.warnings.append(Problem(entry.source, entry.line, "invalid_imo", why, remarks[:200]))
    # companies carry their IMO company number, sometimes under the vessel label
    found = _COMPANY_IMO.search(remarks) or _IMO.search(remarks)
    if entry.schema == ORGANIZATION and found is not None:
        number = int(found.group(1))
        if company_imo_valid(number):
            entry.company_imo = number
        else:
            detail = f"company IMO {number} fails the company check digit"
            result.warnings.append(Problem(entry.source, entry.line, "invalid_company_imo", detail, remarks[:200]))


def _pairs(path: Path | None, value_col: int, kind_col: int | None = None) -> dict[str, list[tuple[str, str]]]:
    """ent_num -> [(kind, value)] from alt.csv / add.csv / sdn_comments.csv (joined on column 0)."""
    found: dict[str, list[tuple[str, str]]] = {}
    if path is None:
        return found
    for _, row in csv_rows(path, "cp1252"):
        if len(row) > value_col and row[0].strip().isdigit() and _cell(row[value_col]):
            kind = _cell(row[kind_col]).lower().replace(".", "") if kind_col is not None else ""
            found.setdefault(row[0].strip(), []).append((kind, _cell(row[value_col])))
    return found
