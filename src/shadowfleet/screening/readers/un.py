"""The UN Security Council Consolidated List (XML): individuals and entities, DPRK ones as KPi/KPe."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from shadowfleet.screening.entries import Entry, company_imo_valid
from shadowfleet.screening.names import ORGANIZATION, PERSON, country_code
from shadowfleet.screening.readers.common import ListFile, Problem, parse_date

_REF = re.compile(r"<REFERENCE_NUMBER>([^<]+)</REFERENCE_NUMBER>")
# e.g. "International Maritime Organization (IMO) Number: 1790183"
_COMPANY_IMO = re.compile(r"IMO\)?\s*(?:Number|number|No\.?)?\s*:?\s*(\d{7})")


def is_un(head: str) -> bool:
    return "<CONSOLIDATED_LIST" in head


def read_un(path: Path) -> ListFile:
    text = path.read_text(encoding="utf-8")
    # ElementTree keeps no line numbers; the reference number is unique, so its line stands for the entry
    lines = {m.group(1).strip(): text.count("\n", 0, m.start()) + 1 for m in _REF.finditer(text)}
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"{path}: not well-formed XML ({exc})") from None
    result = ListFile("un-xml", "un-consolidated", [path])
    generated = root.get("dateGenerated")
    result.published = parse_date(generated[:10]) if generated else None
    for kind, tag in ((PERSON, "INDIVIDUAL"), (ORGANIZATION, "ENTITY")):
        for node in root.iter(tag):
            result.read += 1
            _entry(node, kind, path, lines, result)
    return result


def _texts(node: ET.Element, path: str) -> list[str]:
    return [t.strip() for e in node.findall(path) if (t := e.text) and t.strip()]


def _entry(node: ET.Element, kind: str, path: Path, lines: dict[str, int], result: ListFile) -> None:
    ref = (node.findtext("REFERENCE_NUMBER") or "").strip()
    parts = [node.findtext(f) for f in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    name = " ".join(p.strip() for p in parts if p and p.strip())
    line = lines.get(ref, 0)
    if not ref or not name:
        raw = ET.tostring(node, encoding="unicode")[:2000]
        result.rejected.append(Problem(str(path), line, "missing_field", "no REFERENCE_NUMBER or no name", raw))
        return
    comments = (node.findtext("COMMENTS1") or "").strip()
    entry = Entry(ref, kind, name, str(path), line, remarks=comments or None)
    alias_tag = "INDIVIDUAL_ALIAS" if kind == PERSON else "ENTITY_ALIAS"
    for alias in node.findall(alias_tag):
        alias_name = (alias.findtext("ALIAS_NAME") or "").strip()
        quality = (alias.findtext("QUALITY") or "").strip().lower()
        # "Low" quality aliases are short fragments the UN itself calls weak; matching on them floods analysts
        if alias_name and quality != "low":
            (entry.former_names if quality == "f.k.a." else entry.aliases).append(alias_name)
    original = (node.findtext("NAME_ORIGINAL_SCRIPT") or "").strip()
    if original and original != name:  # the name in its own script (Arabic, Cyrillic): a query may use it
        entry.aliases.append(original)
    places = _texts(node, "NATIONALITY/VALUE") + _texts(node, f"{tag_of(kind)}_ADDRESS/COUNTRY")
    entry.countries = sorted({c for p in places if (c := country_code(p))})
    entry.programs = _texts(node, "UN_LIST_TYPE")
    entry.listed_on = parse_date(node.findtext("LISTED_ON"))
    if kind == ORGANIZATION and (found := _COMPANY_IMO.search(comments)) is not None:
        number = int(found.group(1))
        if company_imo_valid(number):
            entry.company_imo = number
        else:
            detail = f"company IMO {number} fails the company check digit"
            result.warnings.append(Problem(str(path), line, "invalid_company_imo", detail, comments[:200]))
    result.entries.append(entry)


def tag_of(kind: str) -> str:
    return "INDIVIDUAL" if kind == PERSON else "ENTITY"
