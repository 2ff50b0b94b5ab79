"""`shadowfleet anchorages`: the anchorages the last detect run used (inferred from the data, or a
user's file), with how each was inferred."""

from __future__ import annotations

import json
import sys

from rich.table import Table

from shadowfleet.cli.common import Json, StoreOption, fail, out
from shadowfleet.detect.anchorages import load
from shadowfleet.store.store import Store, StoreError


def anchorages_command(store: StoreOption, as_json: Json = False) -> None:
    """Show the store's anchorages: where many distinct vessels lay stationary (GFW's method), or a
    user's own (`detect --anchorages FILE`). An encounter or loitering at one is context, not an alarm."""
    try:
        table = load(Store.open(store))
    except (StoreError, ValueError, OSError) as exc:
        raise fail(str(exc)) from exc
    if table is None:
        raise fail(f"{store}: no anchorages yet; run `shadowfleet detect --store {store}` first")
    rows = table.to_pylist()
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    view = Table(title=f"{len(rows)} anchorage(s)", title_justify="left")
    for column in ("name", "lat", "lon", "radius km", "source", "vessels", "how"):
        view.add_column(column, overflow="fold")
    for r in sorted(rows, key=lambda r: (r["source"], -(r["vessels"] or 0))):
        view.add_row(
            r["name"],
            f"{r['lat']:.3f}",
            f"{r['lon']:.3f}",
            f"{r['radius_m'] / 1000:.1f}",
            r["source"],
            "" if r["vessels"] is None else str(r["vessels"]),
            r["how"],
        )
    out.print(view)
