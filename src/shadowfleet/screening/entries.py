"""List entries as readers produce them and the list store keeps them (table `list_entries`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

from shadowfleet.core.identifiers import imo_valid
from shadowfleet.core.schema import LIST_ENTRIES, check
from shadowfleet.screening.names import ORGANIZATION, PERSON, VESSEL

_SEVEN_DIGITS = re.compile(r"(?<!\d)(\d{7})(?!\d)")


def company_imo_valid(number: int) -> bool:
    """IMO company and registered-owner numbers: (11 - sum(d1..d6 x 8,6,4,2,9,7) mod 11) mod 10 == d7."""
    if not 0 < number <= 9_999_999:
        return False
    digits = [int(c) for c in f"{number:07d}"]
    total = sum(d * w for d, w in zip(digits[:6], (8, 6, 4, 2, 9, 7), strict=True))
    return (11 - total % 11) % 10 == digits[6]


def seven_digits(text: str) -> int | None:
    found = _SEVEN_DIGITS.search(text)
    return int(found.group(1)) if found else None


@dataclass
class Entry:
    """One listed party, in the shape of a FollowTheMoney Vessel, Organization or Person."""

    entry_id: str
    schema: str
    name: str
    source: str
    line: int
    aliases: list[str] = field(default_factory=list)
    former_names: list[str] = field(default_factory=list)
    imo: int | None = None
    company_imo: int | None = None
    mmsi: int | None = None
    flag: str | None = None
    countries: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    linked_to: list[str] = field(default_factory=list)
    listed_on: date | None = None
    remarks: str | None = None

    def ftm(self, list_name: str) -> dict[str, object]:
        """The FollowTheMoney entity (OpenSanctions' exchange format) for this entry."""
        from followthemoney import model  # its schema catalogue takes ~0.7 s to load; only imports need it

        entity = model.make_entity({VESSEL: "Vessel", PERSON: "Person", ORGANIZATION: "Organization"}[self.schema])
        entity.id = f"{list_name}-{self.entry_id}"
        entity.add("name", self.name)
        entity.add("alias", self.aliases)
        entity.add("previousName", self.former_names)
        entity.add("program", self.programs)
        entity.add("topics", "sanction")
        entity.add("notes", self.remarks)
        if self.schema == VESSEL:
            entity.add("imoNumber", str(self.imo) if self.imo else None)
            entity.add("mmsi", str(self.mmsi) if self.mmsi else None)
            entity.add("flag", self.flag)
        else:
            entity.add("nationality" if self.schema == PERSON else "country", self.countries)
            if self.schema == ORGANIZATION and self.company_imo:
                entity.add("imoNumber", str(self.company_imo))
        return dict(entity.to_dict())


def to_table(entries: list[Entry], list_name: str, version: str) -> pa.Table:
    rows = [
        {
            **{k: v for k, v in vars(e).items()},
            "list_name": list_name,
            "list_version": version,
            "ftm": json.dumps(e.ftm(list_name), sort_keys=True, ensure_ascii=False),
        }
        for e in entries
    ]
    return check(pa.Table.from_pylist(rows, schema=LIST_ENTRIES.schema), LIST_ENTRIES)


def vessel_imo(text: str | None) -> tuple[int | None, str | None]:
    """A ship IMO from a field, or (None, why not) when the field holds something else."""
    if not text or not text.strip():
        return None, None
    number = seven_digits(text)
    if number is None:
        return None, f"IMO {text.strip()!r} is not seven digits"
    if not imo_valid(number):
        return None, f"IMO {number} fails the ship check digit"
    return number, None
