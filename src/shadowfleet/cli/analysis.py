"""`risk`, `alerts`, `report` and `cap`: what a compliance officer acts on, thin over shadowfleet.risk."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from rich.table import Table

from shadowfleet.app import pipeline
from shadowfleet.cli.common import GroupStoreOption, Json, StoreOption, fail, need_store, out
from shadowfleet.cli.render import print_cap, print_risk
from shadowfleet.report.case import gather
from shadowfleet.report.render import html, pdf
from shadowfleet.risk import alerts as alert_store
from shadowfleet.risk.alerts import Alert
from shadowfleet.risk.cap import cap_report
from shadowfleet.risk.view import StoreView, load_view
from shadowfleet.store.store import Store, StoreError

alerts_app = typer.Typer(help="Alerts raised from risk, and the analyst's decisions on them.")


def _view(store: Path) -> StoreView:
    try:
        return load_view(Store.open(store))
    except StoreError as exc:
        raise fail(str(exc)) from exc


def _scored(store: Path) -> pipeline.Scored:
    """Rescore from what the store holds (`detect` already did; this picks up a changed scorer or list)."""
    try:
        return pipeline.score(Store.open(store))
    except StoreError as exc:
        raise fail(str(exc)) from exc


def risk_command(
    store: StoreOption,
    top: Annotated[int, typer.Option(help="Rows to print.")] = 20,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write every vessel: .csv, .parquet, .json.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Risk of every vessel (risk-v1): risk_score 0-100, band, top reasons; the parts add up to the score."""
    table = _scored(store).risk
    if out_path:
        _write(table, out_path)
    rows = table.to_pylist()
    if as_json:
        for r in rows[:top]:
            r["findings"] = json.loads(r["findings"])
        sys.stdout.write(json.dumps(rows[:top]) + "\n")
        return
    print_risk(out, rows, top)
    if out_path:
        out.print(f"every vessel's risk written to [b]{out_path}[/b]")


def _write(table: pa.Table, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        pq.write_table(table, path)
    elif suffix == ".json":
        path.write_text(json.dumps(table.to_pylist(), default=str), encoding="utf-8")
    elif suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, table.column_names)
            writer.writeheader()
            for r in table.to_pylist():
                writer.writerow({k: "; ".join(v) if isinstance(v, list) else v for k, v in r.items()})
    else:
        raise fail(f"--out {path}: use .csv, .parquet or .json")


def _alert_rows(alerts: list[Alert], title: str) -> None:
    grid = Table(title=title, title_justify="left")
    for column in ("alert", "state", "risk", "band", "MMSI", "name", "reasons", "decided"):
        grid.add_column(column, overflow="fold")
    for a in alerts:
        decided = f"{a.decided_by} {a.decided_at:%Y-%m-%d %H:%M}: {a.note}" if a.decided_by and a.decided_at else ""
        grid.add_row(a.alert_id, a.state, f"{a.risk_score:.0f}", a.band, str(a.mmsi), a.name or "",
                     "\n".join(a.reasons), decided)  # fmt: skip
    out.print(grid)


@alerts_app.callback(invoke_without_command=True)
def alerts_list(
    ctx: typer.Context,
    store: GroupStoreOption = None,
    show_all: Annotated[bool, typer.Option("--all", help="Every alert, decided ones too.")] = False,
    as_json: Json = False,
) -> None:
    """New and changed alerts (risk medium and above); a dismissed one returns only with new evidence."""
    if ctx.invoked_subcommand:
        return
    rows = _scored(need_store(store)).alerts
    shown = rows if show_all else [a for a in rows if a.open]
    if as_json:
        sys.stdout.write(json.dumps([a.row() for a in shown], default=str) + "\n")
        return
    _alert_rows(shown, f"{len(shown)} {'' if show_all else 'new or changed '}alert(s) of {len(rows)}")


@alerts_app.command("set")
def alerts_set(
    alert_id: Annotated[str, typer.Argument(help="Alert id (from `shadowfleet alerts`).")],
    store: StoreOption,
    status: Annotated[str, typer.Option(help="reviewed, dismissed or escalated.")],
    note: Annotated[str, typer.Option(help="Why: kept with who and when.")],
    by: Annotated[str | None, typer.Option(help="Who decides (default: the login name).")] = None,
    as_json: Json = False,
) -> None:
    """Record an analyst's decision on an alert."""
    decision = alert_store.Decision(alert_id, status, note, by or getpass.getuser(), alert_store.utc_now())
    try:
        alert = alert_store.decide(Store.open(store), decision)
    except KeyError:
        raise fail(f"no alert {alert_id!r} in {store}; `shadowfleet alerts --store {store} --all` lists them") from None
    except (ValueError, StoreError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        sys.stdout.write(json.dumps(alert.row(), default=str) + "\n")
    else:
        out.print(f"alert {alert_id} (MMSI {alert.mmsi}) {status} by {decision.by}: {note}", highlight=False)


def report_command(
    store: StoreOption,
    vessel: Annotated[int, typer.Option(help="IMO or MMSI of the vessel.")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Case file, HTML.")],
    pdf_path: Annotated[Path | None, typer.Option("--pdf", help="Also write it as PDF.")] = None,
) -> None:
    """A case file for one vessel: identity history, list matches, map, timeline, evidence, red flags."""
    view = _view(store)
    try:
        case = gather(view, vessel, alert_store.utc_now())
        document = html(case)
        out_path.write_text(document, encoding="utf-8")
        if pdf_path:
            pdf(document, pdf_path)
    except (KeyError, RuntimeError, OSError) as exc:
        raise fail(str(exc).strip("'\"")) from exc
    written = f"[b]{out_path}[/b]" + (f" and [b]{pdf_path}[/b]" if pdf_path else "")
    risk = f"risk {case.risk_score:.0f}"
    out.print(f"case file for {case.title}: {len(case.events)} events, {risk}, written to {written}")


def cap_command(
    store: StoreOption,
    year: Annotated[int, typer.Option(help="Calendar year.")],
    as_json: Json = False,
) -> None:
    """Refined petroleum delivered to North Korea against the UNSCR 2397 cap of 500,000 barrels."""
    report = cap_report(_view(store), year)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
        return
    print_cap(out, report)
