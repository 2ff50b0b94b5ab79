"""`make demo`: the whole pipeline, as far as it goes, on the real sample data bundled in data/samples."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from shadowfleet.cli.render import print_ingest, print_summary
from shadowfleet.ingest.pipeline import IngestOptions, ingest
from shadowfleet.schema import POSITIONS, STATIC
from shadowfleet.store.store import Store
from shadowfleet.store.summary import summarize

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def _busiest(console: Console, store: Store) -> None:
    """Who the store knows most about: positions per vessel, with its latest declared identity."""
    con = duckdb.connect()
    rows = con.execute(
        f"""
        WITH identity AS (
            SELECT mmsi, arg_max(name, ts) AS name, arg_max(ship_type, ts) AS ship_type, arg_max(imo, ts) AS imo
            FROM read_parquet('{store.glob(STATIC)}') GROUP BY mmsi)
        SELECT p.mmsi, i.name, i.imo, i.ship_type, count(*) AS positions, min(p.ts), max(p.ts)
        FROM read_parquet('{store.glob(POSITIONS)}') p LEFT JOIN identity i USING (mmsi)
        WHERE i.name IS NOT NULL GROUP BY ALL ORDER BY positions DESC LIMIT 8
        """
    ).fetchall()
    table = Table(title="named vessels with the most positions", title_justify="left")
    for name in ("MMSI", "name", "IMO", "type", "positions", "first (UTC)", "last (UTC)"):
        table.add_column(name)
    for mmsi, name, imo, ship_type, count, first, last in rows:
        table.add_row(
            str(mmsi),
            name or "",
            str(imo or ""),
            str(ship_type or ""),
            f"{count:,}",
            first.strftime("%Y-%m-%d %H:%M"),
            last.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="where the demo writes its store")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="input files")
    args = parser.parse_args()
    console = Console(width=max(Console().width, 120))
    store_dir: Path = args.out / "store"
    shutil.rmtree(store_dir, ignore_errors=True)  # a demo starts from scratch
    console.rule("[b]shadowfleet demo: ingest real AIS samples (DMA NMEA logs, NOAA, DMA and Solent CSV)")
    report = ingest([args.samples], store_dir, IngestOptions())
    print_ingest(console, report)
    store = Store.open(store_dir)
    print_summary(console, summarize(store))
    _busiest(console, store)
    console.rule("[b]results")
    console.print(f"store (Parquet by UTC date, DuckDB-queryable): [b]{store.root.resolve()}[/b]")
    console.print(f"  positions: {store.glob(POSITIONS)}", soft_wrap=True)
    console.print(f"  try: .venv/bin/shadowfleet info --store {store_dir}", soft_wrap=True)
    query = f"SELECT count(*) FROM '{store.glob(POSITIONS)}'"
    console.print(f'  or:  .venv/bin/python -c "import duckdb; print(duckdb.sql(\\"{query}\\"))"', soft_wrap=True)


if __name__ == "__main__":
    main()
