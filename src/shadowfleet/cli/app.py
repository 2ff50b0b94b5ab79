"""The `shadowfleet` command line: a thin adapter over the ingest pipeline and the store."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from shadowfleet import __version__
from shadowfleet.app import pipeline
from shadowfleet.cli.analysis import alerts_app, cap_command, report_command, risk_command
from shadowfleet.cli.anchorages import anchorages_command
from shadowfleet.cli.common import StoreOption, err, fail, out
from shadowfleet.cli.render import RichProgress, print_evaluation, print_events, print_ingest, print_summary
from shadowfleet.cli.screening import lists_app, network_command, screen_app
from shadowfleet.cli.server import serve_command, users_app
from shadowfleet.core.schema import TABLES
from shadowfleet.detect.anchorages import check_anchorage_files
from shadowfleet.detect.events import Config
from shadowfleet.detect.runner import Window
from shadowfleet.detect.write import format_of, read_events, write_events
from shadowfleet.detect.zones import user_zones
from shadowfleet.evaluate import evaluate
from shadowfleet.ingest.csv_layouts import LayoutError, parse_mapping
from shadowfleet.ingest.feed_pipeline import FeedLimits, ingest_feed
from shadowfleet.ingest.feeds import FeedError, parse_feed
from shadowfleet.ingest.formats import FORMATS
from shadowfleet.ingest.pipeline import IngestOptions, ingest, parse_start
from shadowfleet.simulate import simulate
from shadowfleet.store import layout
from shadowfleet.store.store import Store, StoreError
from shadowfleet.store.summary import summarize

app = typer.Typer(
    help="shadowfleet: find sanctions evasion at sea in AIS data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"shadowfleet {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """shadowfleet: AIS data and sanctions lists turned into evidence of evasion at sea."""


@app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files or directories (NMEA, CSV, Parquet; .gz and .zip too), or one tcp:// or udp:// feed."
        ),
    ],
    store: StoreOption,
    start: Annotated[str | None, typer.Option(help="Time for NMEA sentences that carry none (ISO-8601, UTC).")] = None,
    columns: Annotated[
        str | None, typer.Option(help="CSV column mapping, e.g. 'mmsi=MMSI,ts=Time,lat=Y,lon=X'.")
    ] = None,
    time_format: Annotated[
        str | None, typer.Option(help="CSV time format (strftime), e.g. '%d/%m/%Y %H:%M:%S'.")
    ] = None,
    input_format: Annotated[str, typer.Option("--format", help=f"Input format: {', '.join(FORMATS)}.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object with the counts.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")] = False,
    duration: Annotated[float | None, typer.Option(help="Feeds: stop after this many seconds.")] = None,
    max_records: Annotated[int | None, typer.Option(help="Feeds: stop after this many input records.")] = None,
    commit_every: Annotated[float, typer.Option(help="Feeds: commit a segment this often (seconds).")] = 60.0,
) -> None:
    """Read AIS files into the store; every input record is accepted, a duplicate, or rejected with a reason."""
    if input_format not in FORMATS:
        raise fail(f"--format {input_format!r}: choose one of {', '.join(FORMATS)}")
    try:
        options = IngestOptions(parse_start(start), parse_mapping(columns), time_format, input_format)
    except (ValueError, LayoutError) as exc:
        raise fail(f"--start {start!r} is not an ISO-8601 time" if "isoformat" in str(exc) else str(exc)) from exc
    show_progress = not (quiet or as_json) and sys.stderr.isatty()
    feeds = [f for f in map(parse_feed, paths) if f is not None]
    if feeds and len(paths) > 1:
        raise fail("a feed (tcp://, udp://) is ingested on its own, without other paths")
    try:
        if feeds:
            limits = FeedLimits(duration, max_records, commit_every)
            report = ingest_feed(feeds[0], store, options, limits)
        else:
            report = ingest([Path(p) for p in paths], store, options, RichProgress(err) if show_progress else None)
    except (StoreError, FeedError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
    else:
        for message in report.errors:
            err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
        if not quiet and not report.nothing_read:
            print_ingest(out, report)
    if report.nothing_read:
        raise typer.Exit(1)


@app.command("info")
def info_command(
    store: StoreOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """What the store holds: vessels, positions, time span, sources and rejects."""
    try:
        summary = summarize(Store.open(store))
    except StoreError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        sys.stdout.write(json.dumps(summary.to_json()) + "\n")
    else:
        print_summary(out, summary)


@app.command("detect")
def detect_command(
    store: StoreOption,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the events here: .parquet, .csv, .geojson, .jsonl.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Only data from this time on (ISO-8601, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Only data before this time (ISO-8601, UTC).")] = None,
    bbox: Annotated[str | None, typer.Option(help="Only events inside lon_min,lat_min,lon_max,lat_max.")] = None,
    config: Annotated[Path | None, typer.Option(help="TOML file overriding detector parameters.")] = None,
    zones: Annotated[
        list[Path] | None, typer.Option("--zones", help="GeoJSON polygons to watch besides DPRK waters and ports.")
    ] = None,
    anchorages: Annotated[
        list[Path] | None, typer.Option("--anchorages", help="Your own anchorages: GeoJSON points or CSV name,lat,lon.")
    ] = None,
    top: Annotated[int, typer.Option(help="Rows of the highest-scoring events to print.")] = 15,
    as_json: Annotated[bool, typer.Option("--json", help="Print counts per event type as one JSON object.")] = False,
    engine: Annotated[str, typer.Option(help="duckdb (embedded, the default) or spark (local[2] here).")] = "duckdb",
) -> None:
    """Detect STS encounters, loitering, AIS gaps, position jumps, identity fraud, DPRK visits, draught changes.

    The events are kept in the store (upserted) and, when lists are loaded, every vessel is screened first
    so that each event names its listed parties; then every vessel's risk is scored and alerts raised."""
    try:
        if out_path:
            format_of(out_path)
        window = Window(_time(since, "--since"), _time(until, "--until"), _bbox(bbox))
        settings = Config.load(config, tuple(zones or ()), tuple(anchorages or ()))
        for path in settings.zone_files:
            user_zones(path)  # a broken file is an error now, not halfway through the run
        check_anchorage_files(settings)
        chosen = next((e for e in pipeline.ENGINES if e == engine), None)
        if chosen is None:
            raise ValueError(f"--engine {engine!r}: choose duckdb or spark")
        opened = Store.open(store)
        detected, scored = pipeline.run(opened, settings, window, chosen)
        events, matches, written = detected.events, detected.matches, detected.in_store
        if out_path:
            written = write_events(events, out_path, window.covers)
    except (StoreError, ValueError, OSError) as exc:
        raise fail(str(exc)) from exc
    counts = Counter(events.column("event_type").to_pylist())
    stored_at = opened.path(layout.EVENTS.relative)
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "events": events.num_rows,
                    "in_file": written,
                    "by_type": counts,
                    "listed_vessels": None if matches is None else len(set(matches.column("mmsi").to_pylist())),
                    "alerts": len(scored.alerts),
                    "out": str((out_path or stored_at).resolve()),
                }
            )
            + "\n"
        )
    else:
        print_events(out, events, top)
        where = out_path or stored_at
        out.print(f"{events.num_rows:,} events ({written:,} in the file after upsert) written to [b]{where}[/b]")
        if matches is not None:
            listed = len(set(matches.column("mmsi").to_pylist()))
            out.print(f"{listed:,} vessel(s) in the store match a sanctions list; see `shadowfleet network`")
        out.print(f"{len(scored.alerts):,} alert(s) after scoring every vessel's risk; see `shadowfleet alerts`")


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{option} {text!r} is not an ISO-8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        lon_min, lat_min, lon_max, lat_max = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--bbox {text!r} is not lon_min,lat_min,lon_max,lat_max") from None
    return lon_min, lat_min, lon_max, lat_max


@app.command("simulate")
def simulate_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for ais.csv and truth.json.")],
    vessels: Annotated[int, typer.Option(help="Background vessels (the planted cases and decoys come on top).")] = 200,
    days: Annotated[float, typer.Option(help="Days of traffic (at least 3; 4 in the East China Sea).")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same traffic.")] = 1,
    region: Annotated[str, typer.Option(help="yellow_sea, east_china_sea or sea_of_japan.")] = "yellow_sea",
    reception: Annotated[
        str, typer.Option(help="mixed (shore stations near the coast, satellite passes offshore) or terrestrial.")
    ] = "mixed",
) -> None:
    """Synthetic North Korea scenario: traffic with planted STS, gaps, spoofing, clones, Nampo call, decoys."""
    try:
        csv_path, truth_path, rows = simulate(out_dir, vessels, days, seed, region, reception)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    out.print(f"{rows:,} positions in [b]{csv_path}[/b]; planted cases and decoys in [b]{truth_path}[/b]")


@app.command("evaluate")
def evaluate_command(
    truth: Annotated[Path, typer.Option(help="truth.json written by `shadowfleet simulate`.")],
    events_path: Annotated[Path, typer.Option("--events", help="Events file (.parquet or .jsonl) from detect.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Precision, recall and F1 per event type, and the alarms raised on decoys."""
    try:
        result = evaluate(truth, read_events(events_path).to_pylist())
    except (OSError, ValueError, KeyError) as exc:
        raise fail(f"{events_path}: {exc}") from exc
    if as_json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    else:
        print_evaluation(out, result)


@app.command("schema")
def schema_command() -> None:
    """Print the canonical tables (columns, types, meaning) as Markdown."""
    for spec in TABLES.values():
        sys.stdout.write(f"\n### `{spec.name}`\n\n| column | type | meaning |\n|---|---|---|\n")
        for column in spec.columns:
            required = "" if column.nullable else " (required)"
            sys.stdout.write(f"| `{column.name}` | {column.type}{required} | {column.doc} |\n")
        what = (
            "A rejected record is kept once per"
            if spec.name == "rejects"
            else "A row is a duplicate when the store holds its"
        )
        sys.stdout.write(f"\n{what} ({', '.join(spec.key)}).\n")


app.command("anchorages")(anchorages_command)
# in the order of the work: sanctions lists and screening, then risk, alerts, case files, the API
app.add_typer(lists_app, name="lists")
app.add_typer(screen_app, name="screen")
app.command("network")(network_command)
app.command("risk")(risk_command)
app.add_typer(alerts_app, name="alerts")
app.command("report")(report_command)
app.command("cap")(cap_command)
app.add_typer(users_app, name="users")
app.command("serve")(serve_command)


def main() -> None:
    try:
        app()
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if os.environ.get("SHADOWFLEET_DEBUG"):
            raise
        err.print(
            f"[red]error:[/red] internal error: {type(exc).__name__}: {exc} "
            "(SHADOWFLEET_DEBUG=1 shows the traceback; please report it)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(3)
