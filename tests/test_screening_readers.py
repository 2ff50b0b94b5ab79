"""List readers on the real OFAC, UN and EU files: every record accepted or rejected with a reason."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared
from screening_data import ofac_2024, un
from shadowfleet.core.identifiers import imo_valid
from shadowfleet.core.schema import LIST_ENTRIES, check
from shadowfleet.screening.entries import company_imo_valid, to_table
from shadowfleet.screening.names import ORGANIZATION, PERSON, VESSEL
from shadowfleet.screening.readers import read_lists


def test_ofac_sdn_every_vessel_and_listed_imo() -> None:
    lf = ofac_2024()
    assert lf.read == 14_965 == len(lf.entries) + len(lf.rejected)
    assert Counter(p.reason for p in lf.rejected) == {"unsupported_type": 376}  # the aircraft
    kinds = Counter(e.schema for e in lf.entries)
    assert kinds == {ORGANIZATION: 6_884, PERSON: 6_854, VESSEL: 851}
    raw = shared("sanctions", "ofac", "sdn_2024-05-03", "sdn.csv").read_bytes().decode("cp1252")
    vessel_imos = {int(n) for n in re.findall(r'"vessel"[^\n]*?Vessel Registration Identification IMO (\d{7})', raw)}
    found = {e.imo for e in lf.entries if e.imo}
    assert vessel_imos <= found and all(imo_valid(n) for n in found)
    assert sum(e.imo is not None for e in lf.entries if e.schema == VESSEL) >= 842  # SOURCES.md: 842
    kum = next(e for e in lf.entries if e.name == "KUM UN SAN 3")
    assert kum.imo == 8705539 and kum.flag == "kp" and kum.programs == ["DPRK4"] and kum.line > 1
    assert kum.linked_to == ["DAWN MARINE MANAGEMENT CO LTD"]
    ebano = next(e for e in lf.entries if e.name == "EBANO")
    assert ebano.former_names == ["ANA I", "SAND SWAN"]
    kumunsan = next(e for e in lf.entries if e.name == "KOREA KUMUNSAN SHIPPING CO")
    assert kumunsan.company_imo == 5110478 and company_imo_valid(5110478)
    # a field that cannot be used is dropped from its record and kept as a warning with the line
    assert all(w.line > 0 and w.reason == "invalid_company_imo" for w in lf.warnings)


def test_ofac_set_joins_aliases_addresses_and_overflow_remarks() -> None:
    (lf,) = read_lists([shared("sanctions", "ofac", "watchman_bench_2021-07-07")])
    assert lf.read == 8_976 and len(lf.sources) == 4
    by_id = {e.entry_id: e for e in lf.entries}
    assert "NATIONAL BANK OF CUBA" in by_id["306"].aliases and "ch" in by_id["306"].countries
    vessels_fka = sum(bool(e.former_names) for e in lf.entries if e.schema == VESSEL)
    assert vessels_fka > 75  # alt.csv holds 158 f.k.a. rows on vessels, several per hull
    assert "Linked To: LAZARUS GROUP" in (by_id["28264"].remarks or "")


def test_un_xml_dprk_entries_and_company_imo() -> None:
    lf = un()
    assert lf.read == 1_003 == len(lf.entries) and lf.published is not None and lf.published.isoformat() == "2026-02-27"
    dprk = [e for e in lf.entries if e.programs == ["DPRK"]]
    assert len(dprk) == 155
    assert sum(e.company_imo is not None for e in lf.entries) == 16
    omm = next(e for e in lf.entries if e.entry_id == "KPe.020")
    assert omm.company_imo == 1790183 and "East Sea Shipping Company" in omm.aliases and omm.countries == ["kp"]
    assert omm.listed_on is not None and omm.listed_on.isoformat() == "2014-07-28"
    text = shared("sanctions", "un", "un_consolidated_2026-02-27.xml").read_text(encoding="utf-8").splitlines()
    assert "KPe.020" in text[omm.line - 1]


def test_eu_annex_ftm_csv() -> None:
    (lf,) = read_lists([shared("sanctions", "eu", "eu_reg_2017-1509_dprk_opensanctions.csv")])
    assert lf.read == 326 == len(lf.entries)
    vessels = [e for e in lf.entries if e.schema == VESSEL]
    assert len(vessels) == 75 and sum(e.imo is not None for e in vessels) == 74
    assert [w.reason for w in lf.warnings] == ["invalid_imo"]  # MIN NING DE YOU 078: "Does not exist"
    assert len({e.entry_id for e in lf.entries}) == 326


def test_ftm_json_lines_round_trip_and_bad_lines(tmp_path: Path) -> None:
    table = check(to_table(un().entries[:50], "un", "v"), LIST_ENTRIES)
    path = tmp_path / "entities.ftm.json"
    lines: list[Any] = [*table.column("ftm").to_pylist(), "{not json", json.dumps({"id": "x", "schema": "Address"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (lf,) = read_lists([path])
    assert lf.read == 52 and len(lf.entries) == 50
    assert Counter(p.reason for p in lf.rejected) == {"bad_json": 1, "unsupported_type": 1}
    assert [e.name for e in lf.entries] == [e.name for e in un().entries[:50]]
    assert lf.rejected[0].line == 51


def test_plain_watchlist_csv(tmp_path: Path) -> None:
    path = tmp_path / "inhouse.csv"
    path.write_text(
        "name,type,imo,mmsi,country\n"
        "OCEAN STAR,vessel,9074729,445123000,North Korea\n"
        "Blue Sea Trading,company,,,Hong Kong\n"
        ",vessel,,,\n"
        "Odd,spaceship,,,\n"
        "BAD IMO,vessel,9074728,,\n",
        encoding="utf-8",
    )
    (lf,) = read_lists([path])
    assert lf.read == 5 and len(lf.entries) == 3 and len(lf.rejected) == 2
    star = lf.entries[0]
    assert (star.imo, star.mmsi, star.flag, star.schema) == (9074729, 445123000, "kp", VESSEL)
    assert [w.reason for w in lf.warnings] == ["invalid_imo"] and lf.entries[2].imo is None
    assert {p.line for p in lf.rejected} == {4, 5}


cells = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n\x00"), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(cells, st.sampled_from(["vessel", "company", "person", "", "ship", "??"]), cells, cells, cells),
        max_size=25,
    )
)
def test_plain_csv_accounts_for_every_row_whatever_it_holds(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str, str, str, str]]
) -> None:
    path = tmp_path_factory.mktemp("plain") / "list.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "type", "imo", "mmsi", "country"])
        writer.writerows(rows)
    (lf,) = read_lists([path])
    assert lf.read == len([r for r in rows if any(c.strip() for c in r)]) == len(lf.entries) + len(lf.rejected)
    assert all(p.line >= 2 and p.reason and p.detail for p in lf.rejected + lf.warnings)
    assert all(imo_valid(e.imo) for e in lf.entries if e.imo is not None)
    assert all(e.mmsi is None or 100_000_000 <= e.mmsi <= 999_999_999 for e in lf.entries)
