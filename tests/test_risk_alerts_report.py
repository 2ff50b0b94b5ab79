"""Risk, alerts, case files and the cap tracker on a simulated North Korea scenario with the bundled lists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cli import run
from conftest import REPO
from shadowfleet.core.schema import ALERTS, RISK, check

LISTED_TANKER = 445286000  # CHON MA SAN, planted by `simulate` with its OFAC identity


def _ok(*args: str | Path) -> str:
    result = run(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _json(*args: str | Path) -> Any:
    return json.loads(_ok(*args, "--json"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("risk")
    _ok("simulate", "--out", root / "sim", "--seed", "11")
    _ok("ingest", root / "sim" / "ais.csv", "--store", root / "store", "--quiet")
    lists = REPO / "data" / "lists"
    _ok("lists", "import", lists / "ofac_sdn_2024-05-03", "--date", "2024-05-03", "--store", root / "store")
    _ok("lists", "import", lists / "un_consolidated_2026-02-27.xml", "--store", root / "store")
    _ok("detect", "--store", root / "store")
    return root / "store"


def _risk(store: Path) -> dict[int, dict[str, Any]]:
    rows = _json("risk", "--store", store, "--top", "1000")
    assert isinstance(rows, list)
    return {int(r["mmsi"]): r for r in rows}


def test_risk_ranks_the_listed_tanker_and_its_partners_and_parts_add_up(store: Path) -> None:
    risk = _risk(store)
    tanker = risk[LISTED_TANKER]
    assert tanker["band"] == "critical" and tanker == max(risk.values(), key=lambda r: r["risk_score"])
    features = {f["feature"] for f in tanker["findings"]}
    assert {"list_match", "sts_encounter", "dprk_flagged", "draught_after_sts"} <= features
    partner = next(m for m, r in risk.items() if any(f["feature"] == "sts_with_listed" for f in r["findings"]))
    assert risk[partner]["band"] in ("high", "critical")
    second = [m for m, r in risk.items() if any(f["feature"] == "met_listed_2hop" for f in r["findings"])]
    assert len(second) == 1 and risk[second[0]]["risk_score"] < risk[partner]["risk_score"]
    for r in risk.values():
        assert round(sum(f["points"] for f in r["findings"]), 1) == r["risk_score"]
        assert all(f["events"] or f["feature"] in ("list_match", "flag_hopping", "cap") for f in r["findings"])
    table = check(pq.read_table(store / "risk" / "risk.parquet"), RISK)
    assert table.num_rows == len(risk)
    assert _risk(store) == risk  # a rerun gives the same scores


def test_alerts_dismissed_return_only_with_new_evidence(store: Path, tmp_path: Path) -> None:
    alerts = _json("alerts", "--store", store)
    assert isinstance(alerts, list) and {a["state"] for a in alerts} == {"new"}
    assert len({a["alert_id"] for a in alerts}) == len(alerts) == len(_json("alerts", "--store", store, "--all"))
    second = min(alerts, key=lambda a: a["risk_score"])
    _ok(
        "alerts",
        "set",
        second["alert_id"],
        "--store",
        store,
        "--status",
        "dismissed",
        "--note",
        "known feeder",
        "--by",
        "ana",
    )
    assert second["alert_id"] not in {a["alert_id"] for a in _json("alerts", "--store", store)}
    every = {a["alert_id"]: a for a in _json("alerts", "--store", store, "--all")}
    assert every[second["alert_id"]]["state"] == "dismissed" and every[second["alert_id"]]["decided_by"] == "ana"
    # new evidence: an in-house watchlist names the dismissed vessel
    watchlist = tmp_path / "inhouse.csv"
    watchlist.write_text(f"name,type,mmsi\nFEEDER OF CONCERN,vessel,{second['mmsi']}\n", encoding="utf-8")
    _ok("lists", "import", watchlist, "--store", store)
    _ok("detect", "--store", store)
    back = {a["alert_id"]: a for a in _json("alerts", "--store", store)}
    assert back[second["alert_id"]]["state"] == "changed"
    log = [json.loads(line) for line in (store / "alerts" / "decisions.jsonl").read_text().splitlines()]
    assert log[-1]["status"] == "dismissed" and log[-1]["by"] == "ana" and log[-1]["at"]
    check(pq.read_table(store / "alerts" / "alerts.parquet"), ALERTS)
    bad = run("alerts", "set", "nope", "--store", store, "--status", "reviewed", "--note", "x")
    assert bad.returncode == 2 and "no alert" in bad.stderr
    bad = run("alerts", "set", second["alert_id"], "--store", store, "--status", "ignored", "--note", "x")
    assert bad.returncode == 2 and "reviewed" in bad.stderr


class _Events(HTMLParser):
    """Each event section of a case file, with its evidence: source files, their sha256, file:line refs."""

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, dict[str, list[str]]] = {}
        self.current: str | None = None
        self.cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("data-event-id"):
            self.current = str(values["data-event-id"])
            self.events[self.current] = {"source": [], "sha256": [], "mono": []}
        classes = (values.get("class") or "").split()
        self.cell = next((c for c in ("source", "sha256", "mono") if c in classes), None) if self.current else None

    def handle_data(self, data: str) -> None:
        if self.current and self.cell and data.strip():
            self.events[self.current][self.cell].append(data.strip())


def test_case_file_html_and_pdf_carry_every_events_evidence(store: Path, tmp_path: Path) -> None:
    html_path, pdf_path = tmp_path / "case.html", tmp_path / "case.pdf"
    _ok("report", "--store", store, "--vessel", "8660313", "--out", html_path, "--pdf", pdf_path)
    text = html_path.read_text(encoding="utf-8")
    for section in (
        "Identity history",
        "Sanctions list matches",
        "Timeline",
        "Red flags of the 2020 US maritime advisory",
    ):
        assert section in text
    assert "<svg" in text and "polyline" in text and "<polygon" in text  # track over Natural Earth land
    parser = _Events()
    parser.feed(text)
    events = json.loads(_ok("risk", "--store", store, "--json", "--top", "1"))[0]["events"]
    assert set(events) <= set(parser.events) and parser.events
    # no server path for viewers: sources by file name, the store by its name (issue 13, item 10)
    assert str(store.resolve()) not in text and str(store.resolve().parent) not in text
    for ident, found in parser.events.items():
        assert found["source"] and not any("/" in s for s in found["source"]), ident
        assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in found["sha256"]), ident
        assert any(re.search(r":\d+$", m) for m in found["mono"]), ident  # file:line of a supporting record
    assert "OFAC" in text.upper() and "ofac-sdn" in text and "CHON MA SAN" in text
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (Debian poppler-utils) is needed; .ci/run installs it")
    subprocess.run(["pdftoppm", "-png", "-r", "40", pdf_path, tmp_path / "page"], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 5_000 for p in pages)
    missing = run("report", "--store", store, "--vessel", "1234567", "--out", tmp_path / "x.html")
    assert missing.returncode == 2 and "no vessel" in missing.stderr


def test_cap_tracker_counts_the_receipt_from_its_draught(store: Path) -> None:
    report = _json("cap", "--store", store, "--year", "2024")
    assert isinstance(report, dict) and report["cap_barrels"] == 500_000
    (delivery,) = report["deliveries"]
    assert (
        delivery["kind"] == "sts_receipt" and delivery["receiver"] == LISTED_TANKER and delivery["method"] == "draught"
    )
    assert len(delivery["events"]) >= 2  # the encounter and the draught change behind the tonnes
    assert report["totals_barrels"] == delivery["barrels"]
    assert report["share_of_cap"][0] == round(delivery["barrels"][0] / 500_000, 4)
    assert _json("cap", "--store", store, "--year", "2023")["deliveries"] == []
