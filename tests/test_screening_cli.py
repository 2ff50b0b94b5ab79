"""The sanctions commands end to end: lists with versions, screening, batch, compare, store and network."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cli import run
from conftest import shared
from screening_data import un
from shadowfleet.core.schema import EVENTS, LIST_ENTRIES, VESSEL_MATCHES, check
from shadowfleet.screening.lists import Lists
from shadowfleet.store.store import Store

SDN = shared("sanctions", "ofac", "sdn_2024-05-03", "sdn.csv")
BENCH_SET = shared("sanctions", "ofac", "watchman_bench_2021-07-07")
UN = shared("sanctions", "un", "un_consolidated_2026-02-27.xml")


def _json(*args: str | Path) -> object:
    result = run(*args, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lists") / "store"
    _json("lists", "import", BENCH_SET, "--store", root, "--date", "2021-07-07")
    _json("lists", "import", SDN, UN, "--store", root, "--date", "2024-05-03")
    return root


def test_import_versions_and_as_of(store: Path) -> None:
    versions = _json("lists", "--store", store)
    assert isinstance(versions, list)
    assert sorted((v["list_name"], v["published"]) for v in versions) == [
        ("ofac-sdn", "2021-07-07"),
        ("ofac-sdn", "2024-05-03"),
        ("un-consolidated", "2024-05-03"),  # --date overrides the XML's own dateGenerated
    ]
    rejects = _json("lists", "rejects", "ofac-sdn", "--store", store)
    assert isinstance(rejects, list) and len(rejects) == 376 + 8  # the aircraft, and 8 company IMOs dropped
    assert {r["reason"] for r in rejects} == {"unsupported_type", "invalid_company_imo"}
    assert all(r["source"].endswith("sdn.csv") and r["line"] > 0 for r in rejects)
    again = _json("lists", "import", SDN, "--store", store, "--date", "2024-05-03")
    assert isinstance(again, list) and again[0]["unchanged"] is True
    # AKADEMIK CHERSKIY (PEESA) is absent from the July 2021 version and present in May 2024's
    assert _json("screen", "vessel", "--store", store, "--imo", "8770261", "--as-of", "2022-01-01") == []
    hits = _json("screen", "vessel", "--store", store, "--imo", "8770261", "--as-of", "2024-06-01")
    assert isinstance(hits, list) and hits[0]["entry_name"] == "AKADEMIK CHERSKIY" and hits[0]["score"] == 0.95
    assert _json("screen", "vessel", "--store", store, "--imo", "8660313", "--as-of", "2022-01-01") != []
    for table in (Lists(Store.open(store)).entries(Lists(Store.open(store)).current()),):
        check(table, LIST_ENTRIES)


def test_an_import_that_dies_leaves_the_old_version_in_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lists = Lists(Store.open(tmp_path / "s", create=True))
    lists.add(un())
    before = lists.versions("un-consolidated")

    def crash(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr("shadowfleet.screening.lists.os.rename", crash)
    with pytest.raises(OSError):
        lists.add(un(), published=date(2026, 3, 1))
    assert lists.versions("un-consolidated") == before
    monkeypatch.undo()
    lists.add(un(), published=date(2026, 3, 1))
    assert len(lists.versions("un-consolidated")) == 2
    assert not list((lists.root / "un-consolidated").glob(".tmp-*"))


def test_screen_entity_prints_explained_matches(store: Path) -> None:
    result = run("screen", "entity", "--store", store, "--name", "Korea Kumun San Shipping Co", "--country", "KP")
    assert result.returncode == 0, result.stderr
    assert "KOREA KUMUNSAN SHIPPING CO" in result.stdout and "party_name" in result.stdout
    bad = run("screen", "entity", "--store", store, "--name", "x", "--country", "Atlantis")
    assert bad.returncode == 2 and "Atlantis" in bad.stderr


def test_batch_counts_every_row_and_writes_hits(store: Path, tmp_path: Path) -> None:
    counterparties = tmp_path / "counterparties.csv"
    counterparties.write_text(
        "name,type,country,imo,mmsi\n"
        "Korea Kumunsan Shipping,company,KP,,\n"
        "KUM UN SAN 3,vessel,,8705539,\n"
        "Acme Widgets GmbH,company,DE,,\n"
        "broken,vessel,,98-76,\n"
        "Jong Un Kim,person,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "hits.csv"
    counts = _json("screen", "batch", counterparties, "--store", store, "--out", out)
    assert counts == {
        "read": 5,
        "screened": 4,
        "rejected": 1,
        "hits": counts["hits"],  # type: ignore[index]
        "out": str(out.resolve()),
        "parties_hit": 3,
    }
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["line"] for r in rows} == {"2", "3", "6"}
    for r in rows:
        parts = json.loads(r["explanation_json"])
        assert round(sum(p["points"] for p in parts), 3) == float(r["score"]) and r["list_version"]


def test_compare_pairs(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "id,schema,name1,name2,imo1,imo2\n"
        "a,vessel,M/V KUM UN SAN,KUM UN SAN,,\n"
        "b,vessel,KUM UN SAN 3,KUM UN SAN,,\n"
        "c,company,Korea Kumunsan Shipping,Korea Kumun San Shipping Co,,\n"
        "d,vessel,X,Y,8720436,8720463\n"
        "e,planet,Mars,Venus,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "scores.csv"
    counts = _json("screen", "compare", "--pairs", pairs, "--out", out)
    assert isinstance(counts, dict) and counts["read"] == 5 and counts["rejected"] == 1
    scores = {r["id"]: float(r["score"]) for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert scores["a"] == 0.85 and scores["b"] < 0.5 and scores["c"] == 1.0 and scores["d"] == 0.5


def test_store_vessels_screened_events_name_listed_parties_and_network(store: Path, tmp_path: Path) -> None:
    sim = tmp_path / "sim"
    assert run("simulate", "--out", sim, "--seed", "5").returncode == 0
    assert run("ingest", sim / "ais.csv", "--store", store, "--quiet").returncode == 0
    detected = _json("detect", "--store", store)
    assert isinstance(detected, dict) and detected["listed_vessels"] == 1
    events = check(pq.read_table(store / "events" / "events.parquet"), EVENTS).to_pylist()
    listed = [e for e in events if e["listed"]]
    assert listed and all(p["entry_name"] == "CHON MA SAN" for e in listed for p in e["listed"])
    sts = next(e for e in listed if e["event_type"] == "encounter")
    assert 445286000 in (sts["mmsi"], sts["other_mmsi"]) and sts["listed"][0]["list"] == "ofac-sdn"
    check(pq.read_table(store / "screening" / "vessel_matches.parquet"), VESSEL_MATCHES)
    result = run("network", "--store", store, "--json")
    reached = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(r["hops"] for r in reached) == [1, 2]
    two = next(r for r in reached if r["hops"] == 2)
    assert two["via"][0] == 445286000 and len(two["events"]) == 2 and two["listed_as"] == "ofac-sdn: CHON MA SAN"
    assert two["events"][0]["event_id"] == sts["event_id"]


def test_bad_names_get_a_clear_error_not_a_crash(store: Path) -> None:
    bad = run("screen", "vessel", "--store", store, "--name", "CHON MA SAN \udcff")
    assert bad.returncode == 2 and "not UTF-8" in bad.stderr and "Traceback" not in bad.stderr
    empty = run("screen", "entity", "--store", store, "--name", "  ")
    assert empty.returncode == 2 and "--name is empty" in empty.stderr


def test_compare_prints_precision_recall_f1_per_group(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "group,label,schema,name1,name2\n"
        "korean,1,person,Ri Yong Ho,Lee Yong-ho\n"
        "korean,0,person,Ri Song Chol,Ri Song Hyok\n"
        "country,0,company,National Iranian Oil Company,National Iraqi Oil Company\n"
        "country,1,company,National Iranian Oil Company,National Iranian Oil Co\n",
        encoding="utf-8",
    )
    report = _json("screen", "compare", "--pairs", pairs, "--out", tmp_path / "s.csv")
    assert isinstance(report, dict)
    groups = {g["group"]: g for g in report["groups"]}
    assert set(groups) == {"korean", "country", "all"} and groups["all"]["f1"] == 1.0
    table = run("screen", "compare", "--pairs", pairs, "--out", tmp_path / "s.csv")
    assert "korean" in table.stdout and "F1" in table.stdout
