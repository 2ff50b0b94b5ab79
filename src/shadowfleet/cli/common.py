"""What every command module shares: the consoles, the one-line error, the common options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)

StoreOption = Annotated[
    Path,
    typer.Option(
        "--store", "-s", envvar="SHADOWFLEET_STORE", help="Store directory (ingest and lists import create it)."
    ),
]
# For command groups whose bare form needs a store but whose subcommands take their own.
GroupStoreOption = Annotated[
    Path | None, typer.Option("--store", "-s", envvar="SHADOWFLEET_STORE", help="Store directory.")
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def need_store(store: Path | None) -> Path:
    if store is None:
        raise fail("give --store DIR (or set SHADOWFLEET_STORE)")
    return store
