"""`lists`, `screen` and `network`: the sanctions side of the command line, thin over shadowfleet.screening."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from shadowfleet.cli.common import GroupStoreOption, Json, StoreOption, err, fail, need_store, out
from shadowfleet.cli.render import print_network, print_vessel_matches
from shadowfleet.screening.batch import BatchResult, score_pairs, screen_batch
from shadowfleet.screening.fleet import load_matches, screen_store
from shadowfleet.screening.lists import Lists
from shadowfleet.screening.names import VESSEL, country_code, schema_of
from shadowfleet.screening.network import listed_vessels, network
from shadowfleet.screening.pair_metrics import COMPARE_THRESHOLD, group_scores
from shadowfleet.screening.readers import Problem, read_lists
from shadowfleet.screening.screener import DEFAULT_THRESHOLD, Match, Query, Screener
from shadowfleet.store import layout
from shadowfleet.store.store import Store, StoreError

lists_app = typer.Typer(help="Sanctions lists: import official files, show what is loaded.", no_args_is_help=False)
screen_app = typer.Typer(help="Screen vessels, companies and persons against the loaded lists.", no_args_is_help=True)

AsOf = Annotated[str | None, typer.Option("--as-of", help="Screen against the lists in force on this date.")]
Threshold = Annotated[float, typer.Option(help="Report matches scoring at least this (0-1).")]


def _date(text: str | None, option: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise fail(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _name(text: str | None, option: str = "--name") -> str | None:
    """A name as given, or a clear error: bytes that are not UTF-8 or a blank name match nothing."""
    if text is None:
        return None
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise fail(f"{option} {text.encode('utf-8', 'surrogateescape')!r} is not UTF-8 text")
    if not text.strip():
        raise fail(f"{option} is empty: give a name, or leave the option out")
    return text


def _screener(store: Path, as_of: str | None, threshold: float) -> Screener:
    try:
        lists = Lists(Store.open(store))
    except StoreError as exc:
        raise fail(str(exc)) from exc
    versions = lists.current(_date(as_of, "--as-of"))
    if not versions:
        when = f" in force on {as_of}" if as_of else ""
        raise fail(f"{store}: no sanctions list{when}; run `shadowfleet lists import` first")
    return Screener(lists.entries(versions), threshold)


@lists_app.callback(invoke_without_command=True)
def lists_show(
    ctx: typer.Context,
    store: GroupStoreOption = None,
    as_json: Json = False,
) -> None:
    """What is loaded: each list's versions, their dates, counts and source files."""
    if ctx.invoked_subcommand:
        return
    store = need_store(store)
    try:
        lists = Lists(Store.open(store))
    except StoreError as exc:
        raise fail(str(exc)) from exc
    versions = [v for name in lists.names() for v in lists.versions(name)]
    if as_json:
        sys.stdout.write(json.dumps([vars(v) for v in versions]) + "\n")
        return
    current = {v.version for v in lists.current()}
    table = Table(title=f"sanctions lists in {store}", title_justify="left")
    for column in ("list", "version", "in force", "list date", "imported (UTC)", "entries", "rejected", "source"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            v.list_name,
            v.version,
            "yes" if v.version in current else "",
            v.published or "",
            v.imported_at[:19],
            f"{v.entries:,}",
            f"{v.rejected:,}",
            ", ".join(Path(s["path"]).name for s in v.sources),
        )
    out.print(table if versions else "no list loaded; run `shadowfleet lists import PATH...`")


@lists_app.command("import")
def lists_import(
    paths: Annotated[list[Path], typer.Argument(help="OFAC sdn.csv (+alt/add/sdn_comments), UN XML, FtM, CSV.")],
    store: StoreOption,
    name: Annotated[str | None, typer.Option(help="List name (default: from the format, e.g. ofac-sdn).")] = None,
    published: Annotated[str | None, typer.Option("--date", help="The list's publication date (YYYY-MM-DD).")] = None,
    as_json: Json = False,
) -> None:
    """Import lists as new versions; older versions stay for as-of questions."""
    try:
        files = read_lists(paths)
        if name and len(files) > 1:
            raise ValueError(f"--name {name!r} names one list, but {len(files)} lists were given")
        lists = Lists(Store.open(store, create=True))
        results = [(f, lists.add(f, name, _date(published, "--date"))) for f in files]
    except (ValueError, OSError, StoreError) as exc:
        raise fail(str(exc)) from exc
    report = [
        {
            "list": r.version.list_name,
            "version": r.version.version,
            "unchanged": r.unchanged,
            "read": f.read,
            "accepted": len(f.entries),
            "rejected": len(f.rejected),
            "warnings": len(f.warnings),
            "reasons": _reasons(f.rejected + f.warnings),
        }
        for f, r in results
    ]
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
        return
    for r, (f, _) in zip(report, results, strict=True):
        state = "unchanged (same content as the version in force)" if r["unchanged"] else "new version"
        counts = _reasons(f.rejected + f.warnings)
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in sorted(counts.items())) or "none"
        out.print(
            f"[b]{r['list']}[/b] {r['version']}: {state}; read {r['read']:,} = accepted {r['accepted']:,} + "
            f"rejected {r['rejected']:,}; {r['warnings']:,} field(s) dropped; reasons: {reasons}",
            highlight=False,
        )


@lists_app.command("rejects")
def lists_rejects(
    name: Annotated[str, typer.Argument(help="List name, e.g. ofac-sdn.")],
    store: StoreOption,
    version: Annotated[str | None, typer.Option(help="Version id (default: the latest).")] = None,
    as_json: Json = False,
) -> None:
    """The records a list import rejected, and the fields it dropped: file, line, reason, detail."""
    try:
        lists = Lists(Store.open(store))
    except StoreError as exc:
        raise fail(str(exc)) from exc
    versions = [v for v in lists.versions(name) if version in (None, v.version)]
    if not versions:
        raise fail(f"no list {name!r}{f' version {version}' if version else ''} in {store}")
    rows = lists.problems(versions[-1]).to_pylist()
    if as_json:
        sys.stdout.write(
            json.dumps([{k: r[k] for k in ("source", "line", "reason", "detail", "raw")} for r in rows]) + "\n"
        )
        return
    for r in rows:
        out.print(f"{r['source']}:{r['line']}: {r['reason']}: {r['detail']}", highlight=False, soft_wrap=True)
    out.print(f"{len(rows):,} problem(s) in {name} {versions[-1].version}", highlight=False)


def _reasons(problems: list[Problem]) -> dict[str, int]:
    return dict(Counter(p.reason for p in problems))


def _print_matches(matches: list[Match], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps([m.to_json() for m in matches]) + "\n")
        return
    if not matches:
        out.print("no match")
        return
    table = Table(show_lines=True)
    for column in ("score", "list", "entry", "name", "programs", "why (points add up to the score)"):
        table.add_column(column, overflow="fold")
    for m in matches:
        e = m.entry
        flags = f"\n[red]{', '.join(m.flags)}[/red]" if m.flags else ""
        table.add_row(
            f"{m.score:.2f}",
            f"{e['list_name']}\n{e['list_version']}",
            f"{e['entry_id']}\n{Path(e['source']).name}:{e['line']}",
            e["name"],
            ", ".join(e["programs"]),
            "\n".join(f"{p.points:+.2f} {p.feature}: {p.detail}" for p in m.parts) + flags,
        )
    out.print(table)


@screen_app.command("vessel")
def screen_vessel(
    store: StoreOption,
    imo: Annotated[int | None, typer.Option(help="IMO number.")] = None,
    mmsi: Annotated[int | None, typer.Option(help="MMSI.")] = None,
    name: Annotated[str | None, typer.Option(help="Vessel name.")] = None,
    flag: Annotated[str | None, typer.Option(help="Flag (country name or ISO code).")] = None,
    as_of: AsOf = None,
    threshold: Threshold = DEFAULT_THRESHOLD,
    as_json: Json = False,
) -> None:
    """One vessel by IMO, MMSI and/or name: exact identifiers, one-digit IMO twins, fuzzy and former names."""
    name = _name(name)
    if imo is None and mmsi is None and not name:
        raise fail("give --imo, --mmsi or --name")
    screener = _screener(store, as_of, threshold)
    _print_matches(screener.screen(Query(name, VESSEL, imo, mmsi, country_code(flag))), as_json)


@screen_app.command("entity")
def screen_entity(
    store: StoreOption,
    name: Annotated[str, typer.Option(help="Company or person name.")],
    country: Annotated[str | None, typer.Option(help="Country (name or ISO code).")] = None,
    kind: Annotated[str | None, typer.Option("--type", help="company or person (default: both).")] = None,
    imo: Annotated[int | None, typer.Option(help="IMO company number.")] = None,
    as_of: AsOf = None,
    threshold: Threshold = DEFAULT_THRESHOLD,
    as_json: Json = False,
) -> None:
    """A company or person: aliases, transliterations, legal forms, IMO company numbers."""
    name = _name(name) or ""
    try:
        schema = schema_of(kind)
    except ValueError as exc:
        raise fail(f"--type: {exc}") from exc
    code = country_code(country)
    if country and code is None:
        raise fail(f"--country {country!r} is not a country shadowfleet knows")
    matches = _screener(store, as_of, threshold).screen(Query(name, schema, imo, None, code))
    _print_matches([m for m in matches if m.entry["schema"] != VESSEL or schema == VESSEL], as_json)


def _report(result: BatchResult, what: str, written: Path, as_json: bool) -> None:
    counts = {
        "read": result.read,
        "screened": result.screened,
        "rejected": len(result.rejected),
        what: result.hits,
        "out": str(written.resolve()),
    }
    if as_json:
        sys.stdout.write(json.dumps({**counts, "parties_hit": result.parties_hit}) + "\n")
    else:
        for p in result.rejected[:20]:
            err.print(f"[yellow]rejected[/yellow] {p.source}:{p.line}: {p.detail}", highlight=False, soft_wrap=True)
        out.print(
            f"read {result.read:,} = screened {result.screened:,} + rejected {len(result.rejected):,}; "
            f"{result.hits:,} {what} written to [b]{written}[/b]",
            highlight=False,
        )


@screen_app.command("batch")
def screen_batch_command(
    counterparties: Annotated[
        Path, typer.Argument(help="CSV: name, type, country, imo, mmsi (all but name optional).")
    ],
    store: StoreOption,
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Hits CSV, one row per match.")],
    as_of: AsOf = None,
    threshold: Threshold = DEFAULT_THRESHOLD,
    as_json: Json = False,
) -> None:
    """Screen a counterparty file: hits with scores, explanations, list, entry and list version."""
    screener = _screener(store, as_of, threshold)
    try:
        with Progress(console=err, transient=True, disable=as_json or not sys.stderr.isatty()) as bar:
            task = bar.add_task("screening", total=None)
            result = screen_batch(
                counterparties, out_path, screener, threshold, lambda n: bar.update(task, completed=n)
            )
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from exc
    _report(result, "hits", out_path, as_json)


@screen_app.command("compare")
def screen_compare(
    pairs: Annotated[
        Path, typer.Option(help="CSV: schema, name1, name2 (optional id, group, label, imo1/2, mmsi1/2, country1/2).")
    ],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Scores CSV.")],
    threshold: Annotated[float, typer.Option(help="A labelled pair scoring at least this counts as a match.")] = (
        COMPARE_THRESHOLD
    ),
    as_json: Json = False,
) -> None:
    """Score pairs of records: are they one party? Each score comes with the parts it adds up from; with a
    `label` column, precision, recall and F1 per `group` at the threshold."""
    try:
        result = score_pairs(pairs, out_path)
        groups = group_scores(out_path, threshold)
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        counts = {"read": result.read, "screened": result.screened, "rejected": len(result.rejected)}
        report = {**counts, "scored pairs": result.hits, "out": str(out_path.resolve())}
        sys.stdout.write(json.dumps({**report, "threshold": threshold, "groups": [g.to_json() for g in groups]}) + "\n")
        return
    _report(result, "scored pairs", out_path, as_json)
    if groups:
        table = Table(title=f"labelled pairs at threshold {threshold:g}", title_justify="left")
        for column in ("group", "pairs", "TP", "FP", "FN", "TN", "precision", "recall", "F1"):
            table.add_column(column, justify="left" if column == "group" else "right")
        for g in groups:
            tally = (g.pairs, g.tp, g.fp, g.fn, g.tn)
            table.add_row(g.group, *map(str, tally), f"{g.precision:.3f}", f"{g.recall:.3f}", f"{g.f1:.3f}")
        out.print(table)


@screen_app.command("store")
def screen_store_command(store: StoreOption, as_of: AsOf = None, as_json: Json = False) -> None:
    """Screen every vessel identity in the AIS store (also done by `detect` when lists are loaded)."""
    try:
        matches = screen_store(Store.open(store), _date(as_of, "--as-of"))
    except StoreError as exc:
        raise fail(str(exc)) from exc
    if matches is None:
        raise fail(f"{store}: no sanctions list loaded; run `shadowfleet lists import` first")
    if as_json:
        vessels = len(set(matches.column("mmsi").to_pylist()))
        sys.stdout.write(json.dumps({"matches": matches.num_rows, "vessels": vessels}) + "\n")
        return
    print_vessel_matches(out, matches)


def network_command(
    store: StoreOption,
    hops: Annotated[int, typer.Option(help="How far from a listed vessel (1 or 2).")] = 2,
    out_path: Annotated[Path | None, typer.Option("--out", "-o", help="Write JSON lines here.")] = None,
    as_json: Json = False,
) -> None:
    """Vessels that met a listed vessel (1 hop) and those that met them (2 hops), with the events as chain."""
    try:
        opened = Store.open(store)
        matches, events = load_matches(opened), opened.read(layout.EVENTS)
        if matches is None or events is None:
            raise ValueError(f"{store}: run `shadowfleet lists import` and `shadowfleet detect` first")
        listed = listed_vessels(matches)
        reached = network(events, listed, hops)
    except (ValueError, OSError, StoreError) as exc:
        raise fail(str(exc)) from exc
    lines = [json.dumps(r.to_json()) for r in reached]
    if out_path:
        out_path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    if as_json:
        sys.stdout.write("".join(line + "\n" for line in lines))
        return
    print_network(out, reached, len(listed))
