"""Rich output for people: progress bars and summary tables (the JSON output bypasses this)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from shadowfleet.evaluate import Evaluation
from shadowfleet.ingest.pipeline import IngestReport
from shadowfleet.risk.cap import CAP_BARRELS, SCENARIOS, CapReport
from shadowfleet.screening.network import Reached
from shadowfleet.store.summary import Summary


class RichProgress:
    """One bar per input file, by raw bytes read."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task: TaskID | None = None

    def start(self, name: str, total_bytes: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task(name, total=total_bytes or None)

    def update(self, done_bytes: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=done_bytes)

    def finish(self) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None
        self.bar.stop()


def _minute(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


def _n(value: int) -> str:
    return f"{value:,}"


def print_ingest(console: Console, report: IngestReport) -> None:
    table = Table(title="ingested", title_justify="left")
    for name in ("file", "format", "read", "accepted", "duplicates", "rejected"):
        table.add_column(name, justify="right" if name in ("read", "accepted", "duplicates", "rejected") else "left")
    table.add_column("time span (UTC)", no_wrap=True)
    for f in report.files:
        span = f"{_minute(f.first_ts)} → {_minute(f.last_ts)}" if f.first_ts and f.last_ts else ""
        table.add_row(
            Path(f.path).name,
            f.format or "[red]unread[/red]",
            _n(f.read),
            _n(f.accepted),
            _n(f.duplicates),
            _n(f.rejected),
            span,
        )
    table.add_row(
        "[b]total",
        "",
        *(f"[b]{_n(report.total(k))}" for k in ("read", "accepted", "duplicates", "rejected")),
        "",
    )
    console.print(table)
    console.print(
        f"{_n(report.total('positions'))} positions and {_n(report.total('static'))} static rows added to "
        f"[b]{report.store}[/b]; rejected records are in its rejects table (`shadowfleet info --store {report.store}`)."
    )


def print_summary(console: Console, s: Summary) -> None:
    facts = Table(show_header=False, title=f"store {s.store}", title_justify="left")
    facts.add_column(style="bold")
    facts.add_column(justify="right")
    facts.add_row("vessels (MMSI with positions)", _n(s.vessels))
    facts.add_row("positions", _n(s.positions))
    facts.add_row("static/voyage rows", f"{_n(s.static)} ({_n(s.vessels_with_static)} vessels)")
    facts.add_row("time span (UTC)", f"{s.first_ts or '-'} → {s.last_ts or '-'} ({s.dates} days)")
    facts.add_row("sources", _n(len(s.sources)))
    facts.add_row("rejected records", _n(s.rejects))
    facts.add_row("size on disk", f"{s.size_bytes / 1e6:,.1f} MB")
    console.print(facts)
    if s.sources:
        sources = Table(title="sources", title_justify="left")
        for name in ("file", "format", "read", "accepted", "rejected", "first", "last"):
            sources.add_column(name)
        for src in s.sources:
            sources.add_row(
                Path(src["path"]).name,
                src["format"],
                _n(src["read"]),
                _n(src["accepted"]),
                _n(src["rejected"]),
                _minute(src["first_ts"]),
                _minute(src["last_ts"]),
            )
        console.print(sources)
    if s.rejects_by_reason:
        rejects = Table(title="rejects by reason", title_justify="left")
        rejects.add_column("reason")
        rejects.add_column("records", justify="right")
        for reason, count in s.rejects_by_reason.items():
            rejects.add_row(reason, _n(count))
        console.print(rejects)


def print_events(console: Console, events: pa.Table, top: int) -> None:
    """The highest-scoring events, one line each, with the reason in words."""
    table = Table(title=f"top {min(top, events.num_rows)} of {events.num_rows:,} events by score", title_justify="left")
    for name in ("score", "type", "MMSI", "start (UTC)", "hours", "reason"):
        table.add_column(name, justify="right" if name in ("score", "hours") else "left")
    rows = sorted(
        events.select(["score", "event_type", "mmsi", "start_time", "duration_h", "reason", "listed"]).to_pylist(),
        key=lambda r: -r["score"],
    )
    for r in rows[:top]:
        listed = "; ".join(
            f"[red]MMSI {p['mmsi']} listed: {p['list']} {p['entry_name']}[/red]" for p in r["listed"] or []
        )
        table.add_row(
            f"{r['score']:.2f}",
            r["event_type"],
            str(r["mmsi"]),
            r["start_time"].strftime("%Y-%m-%d %H:%M"),
            f"{r['duration_h']:.1f}",
            r["reason"] + (f"; {listed}" if listed else ""),
        )
    console.print(table)


def print_vessel_matches(console: Console, matches: pa.Table, top: int = 50) -> None:
    """Store vessels that match a list, best first."""
    rows = matches.sort_by([("score", "descending")]).to_pylist()
    table = Table(title="store vessels on a sanctions list", title_justify="left")
    for column in ("MMSI", "IMO", "name", "score", "list", "entry", "flags"):
        table.add_column(column)
    for r in rows[:top]:
        table.add_row(
            str(r["mmsi"]), str(r["imo"] or ""), r["name"] or "", f"{r['score']:.2f}", r["list_name"],
            f"{r['entry_id']} {r['entry_name']}", ", ".join(r["flags"]),
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(rows):,} matches over {len({r['mmsi'] for r in rows}):,} vessels", highlight=False)


def print_network(console: Console, reached: list[Reached], listed: int) -> None:
    """Who met a listed vessel, and who met them, with the chain of encounter events."""
    if not reached:
        console.print(f"{listed} listed vessel(s) in the store; none met another vessel")
        return
    table = Table(title=f"{listed} listed vessel(s) in the store; who met them", title_justify="left")
    for column in ("MMSI", "hops", "listed vessel", "chain", "events (id, start UTC, hours)"):
        table.add_column(column, overflow="fold")
    for r in reached:
        chain = " -> ".join(map(str, (*r.via, r.mmsi)))
        events = "\n".join(f"{k.event_id} {k.start[:16]} {k.hours:.1f} h" for k in r.path)
        table.add_row(str(r.mmsi), str(r.hops), f"{r.listed_mmsi} ({r.listed_as})", chain, events)
    console.print(table)


def print_evaluation(console: Console, result: Evaluation) -> None:
    table = Table(title="detection against the planted truth", title_justify="left")
    for name in ("event type", "cases", "events", "precision", "recall", "F1"):
        table.add_column(name, justify="left" if name == "event type" else "right")
    for s in result.scores:
        table.add_row(s.event_type, str(s.cases), str(s.events), f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}")
    console.print(table)
    console.print(
        f"macro F1 {result.macro_f1:.2f} ({result.reception or 'unknown'} reception); "
        f"encounter alarms at outer anchorages: {len(result.anchorage_encounter_alarms)}; "
        f"gap alarms inside coverage holes: {len(result.hole_gap_alarms)}; "
        f"alarms on unobservable cases (set aside): {len(result.unobservable_alarms)}",
        highlight=False,
    )
    if result.decoy_alarms:
        for alarm in result.decoy_alarms:
            console.print(f"[red]alarm on decoy[/red] {alarm['decoy']}: {alarm['event_type']}: {alarm['reason']}")
    else:
        console.print("no alarm on any decoy")


def print_risk(console: Console, rows: list[dict[str, Any]], top: int) -> None:
    """Vessels by risk, best first, with their top reasons."""
    grid = Table(title=f"top {min(top, len(rows))} of {len(rows):,} vessels by risk (risk-v1)", title_justify="left")
    for column in ("risk", "band", "MMSI", "name", "IMO", "flag", "top reasons (points)"):
        grid.add_column(column, overflow="fold")
    for r in rows[:top]:
        grid.add_row(f"{r['risk_score']:.0f}", r["band"], str(r["mmsi"]), r["name"] or "", str(r["imo"] or ""),
                     (r["flag"] or "").upper(), "\n".join(r["reasons"]))  # fmt: skip
    console.print(grid)


def print_cap(console: Console, report: CapReport) -> None:
    """Deliveries to the DPRK and the totals against the UNSCR 2397 cap, per laden-fraction scenario."""
    grid = Table(title=f"estimated refined-petroleum deliveries to the DPRK in {report.year}", title_justify="left")
    for column in ("when (UTC)", "kind", "receiver", "from", "method", *(f"bbl at {f:.0%}" for f in SCENARIOS),
                   "events", "note"):  # fmt: skip
        grid.add_column(column, overflow="fold")
    for d in report.deliveries:
        grid.add_row(d.when[:16], d.kind, d.receiver_name, str(d.partner or ""), d.method,
                     *(f"{b:,.0f}" for b in d.barrels), "\n".join(d.events), d.note)  # fmt: skip
    console.print(grid)
    for fraction, total in zip(SCENARIOS, report.totals_barrels, strict=True):
        console.print(
            f"laden {fraction:.0%}: {total:,.0f} bbl = {total / CAP_BARRELS:.1%} of the {CAP_BARRELS:,} bbl cap",
            highlight=False,
        )
