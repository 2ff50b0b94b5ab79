"""`make demo`: the whole pipeline on the real AIS samples bundled in data/samples plus a simulated
North Korea scenario (Yellow Sea STS at a hot spot, a tanker calling at Nampo, dark periods,
spoofing, a cloned MMSI, and decoys), ending with the detected events and where everything is."""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from shadowfleet.app import pipeline
from shadowfleet.cli.render import (
    print_cap,
    print_evaluation,
    print_events,
    print_ingest,
    print_network,
    print_risk,
    print_summary,
    print_vessel_matches,
)
from shadowfleet.core.schema import POSITIONS
from shadowfleet.detect.events import Config
from shadowfleet.detect.runner import Window
from shadowfleet.detect.write import write_events
from shadowfleet.evaluate import evaluate
from shadowfleet.ingest.pipeline import IngestOptions, ingest
from shadowfleet.report.case import gather
from shadowfleet.report.render import html, pdf
from shadowfleet.risk.alerts import utc_now
from shadowfleet.risk.cap import cap_report
from shadowfleet.screening.batch import screen_batch
from shadowfleet.screening.lists import Lists
from shadowfleet.screening.network import listed_vessels, network
from shadowfleet.screening.readers import read_lists
from shadowfleet.screening.screener import Screener
from shadowfleet.simulate import simulate
from shadowfleet.store import layout, queries
from shadowfleet.store.store import Store
from shadowfleet.store.summary import summarize

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
LISTS = SAMPLES.parent / "lists"


def _busiest(console: Console, store: Store) -> None:
    """Who the store knows most about: positions per vessel, with its latest declared identity."""
    table = Table(title="named vessels with the most positions", title_justify="left")
    for name in ("MMSI", "name", "IMO", "type", "positions", "first (UTC)", "last (UTC)"):
        table.add_column(name)
    for v in queries.busiest(store, 8):
        table.add_row(
            str(v.mmsi),
            v.name or "",
            str(v.imo or ""),
            str(v.ship_type or ""),
            f"{v.positions:,}",
            v.first.strftime("%Y-%m-%d %H:%M"),
            v.last.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


def _import_lists(console: Console, store: Store) -> Lists:
    lists = Lists(store)
    for listed in read_lists([LISTS / "ofac_sdn_2024-05-03", LISTS / "un_consolidated_2026-02-27.xml"]):
        version = lists.add(listed, published=date(2024, 5, 3) if listed.kind == "ofac-sdn" else None).version
        console.print(
            f"{version.list_name} {version.version}: {version.entries:,} entries, {version.rejected:,} rejected "
            f"({', '.join(sorted({p.reason for p in listed.rejected})) or 'none'})",
            highlight=False,
        )
    return lists


def _network_and_batch(console: Console, out: Path, events: pa.Table, matches: pa.Table, lists: Lists) -> list[Path]:
    console.rule("[b]5. who met a listed vessel (1 hop), and who met them (2 hops)")
    listed = listed_vessels(matches)
    reached = network(events, listed)
    print_network(console, reached, len(listed))
    network_path = out / "network.jsonl"
    network_path.write_text("".join(json.dumps(r.to_json()) + "\n" for r in reached), encoding="utf-8")
    console.rule("[b]6. a bank's counterparty batch")
    hits_path = out / "counterparty_hits.csv"
    screener = Screener(lists.entries(lists.current()))
    batch = screen_batch(LISTS / "counterparties_example.csv", hits_path, screener, None)
    console.print(
        f"read {batch.read} = screened {batch.screened} + rejected {len(batch.rejected)}; "
        f"{batch.parties_hit} counterparties hit, {batch.hits} matches with explanations",
        highlight=False,
    )
    return [network_path, hits_path]


def _risk_case_cap(console: Console, out: Path, scored: pipeline.Scored, simulated: str) -> tuple[Path, Path]:
    console.rule("[b]8. risk: the top 10 vessels (risk-v1; the points add up to the score)")
    view, rows = scored.view, scored.risk.to_pylist()
    print_risk(console, rows, 10)
    console.print(
        f"{len(scored.alerts)} alert(s) raised (medium risk and above); `shadowfleet alerts` lists them",
        highlight=False,
    )
    console.rule(f"[b]9. a case file for the riskiest vessel, MMSI {rows[0]['mmsi']}")
    case = gather(view, int(rows[0]["mmsi"]), utc_now())
    document = html(case)
    case_html, case_pdf = out / "case_file.html", out / "case_file.pdf"
    case_html.write_text(document, encoding="utf-8")
    pdf(document, case_pdf)
    console.print(f"{case.title}: {len(case.events)} events with their evidence, {len(case.flags)} red flags checked")
    years = sorted({e.start_time.year for e in view.events if simulated in e.evidence.sources})
    console.rule(f"[b]10. UNSCR 2397 cap tracker for the simulated period ({', '.join(map(str, years))})")
    for year in years:
        print_cap(console, cap_report(view, year))
    return case_html, case_pdf


def _where(console: Console, store: Store, written: list[tuple[str, Path]]) -> None:
    console.rule("[b]results")
    for what, path in written:
        console.print(f"{what}: [b]{path.resolve()}[/b]", soft_wrap=True, highlight=False)
    console.print(f"store (Parquet by UTC date, DuckDB-queryable): [b]{store.root.resolve()}[/b]")
    console.print(f"  positions: {store.root / POSITIONS.name}/date=*/*.parquet", soft_wrap=True)
    commands = ("info", "screen vessel --name 'chon ma san'", "network", "risk", "alerts", "cap --year 2024",
                "users add ana --role analyst", "serve")  # fmt: skip
    for command in commands:
        console.print(f"  try: .venv/bin/shadowfleet {command} --store {store.root}", soft_wrap=True)
    query = f"SELECT count(*) FROM '{store.root / POSITIONS.name}/date=*/*.parquet'"
    console.print(f'  or:  .venv/bin/python -c "import duckdb; print(duckdb.sql(\\"{query}\\"))"', soft_wrap=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="where the demo writes its store")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="input files")
    args = parser.parse_args()
    console = Console(width=max(Console().width, 120))
    store_dir: Path = args.out / "store"
    shutil.rmtree(store_dir, ignore_errors=True)  # a demo starts from scratch
    console.rule("[b]1. simulate a North Korea scenario with planted evasion and decoys")
    sim_csv, truth, rows = simulate(args.out / "scenario", vessels=40, days=3, seed=2397)
    console.print(f"{rows:,} simulated positions in {sim_csv}; the planted truth in {truth}")
    console.rule("[b]2. ingest it with real AIS samples (DMA NMEA logs, NOAA, DMA and Solent CSV)")
    report = ingest([args.samples, sim_csv], store_dir, IngestOptions())
    print_ingest(console, report)
    store = Store.open(store_dir)
    print_summary(console, summarize(store))
    _busiest(console, store)
    console.rule("[b]3. import the sanctions lists (OFAC SDN vessels + DPRK entries, UN consolidated)")
    lists = _import_lists(console, store)
    console.rule("[b]4. detect, with every vessel screened against the lists; then risk and alerts")
    detected, scored = pipeline.run(store, Config.load(), Window())
    events, matches = detected.events, detected.matches
    assert matches is not None  # the lists were imported above
    print_vessel_matches(console, matches)
    events_geojson, events_parquet = args.out / "events.geojson", args.out / "events.parquet"
    for path in (events_geojson, events_parquet):
        path.unlink(missing_ok=True)
        write_events(events, path)
    print_events(console, events, 12)
    network_path, hits_path = _network_and_batch(console, args.out, events, matches, lists)
    console.rule("[b]7. score the scenario's events against its planted truth")
    simulated = str(sim_csv.resolve())
    print_evaluation(console, evaluate(truth, [e for e in events.to_pylist() if simulated in e["evidence"]["sources"]]))
    case_html, case_pdf = _risk_case_cap(console, args.out, scored, simulated)
    written = [
        ("events (map-ready GeoJSON)", events_geojson),
        ("events (Parquet)", events_parquet),
        ("listed vessels' network", network_path),
        ("counterparty screening hits", hits_path),
        ("case file of the riskiest vessel (HTML)", case_html),
        ("case file (PDF)", case_pdf),
        ("risk of every vessel", store.path(layout.RISK.relative)),
        ("alerts", store.path(layout.ALERTS.relative)),
    ]
    _where(console, store, written)


if __name__ == "__main__":
    main()
