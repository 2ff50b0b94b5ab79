"""`shadowfleet simulate`: synthetic AIS of the Yellow Sea, East China Sea or Sea of Japan with planted evasion
cases and decoys, heard the way real receivers hear it, and the truth of what was planted.

Ships transmit from their true positions (`traffic`); receivers hear some of it (`reception`:
shore stations everywhere, or shore stations near the coast and satellite passes offshore, with
coverage holes); planted cases (`planted`) and decoys (`decoys`: outer anchorages, ships silenced
by a hole, ...) are listed in `truth.json` with the reports heard of each (`writer`); a planted case
too thinly heard to be seen is listed apart, as unobservable (`observed`). Every figure of a scenario
(ranges, durations, counts) is drawn from its seed (`details`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shadowfleet.simulate.decoys import anchorages, background, classic_decoys, hole_silenced
from shadowfleet.simulate.observed import Heard, unobservable
from shadowfleet.simulate.planted import LISTED_TANKER, plant_all
from shadowfleet.simulate.reception import Reception, hear, plan_coverage
from shadowfleet.simulate.traffic import Simulator
from shadowfleet.simulate.truth import EVENT_TYPES, Truth
from shadowfleet.simulate.world import REGIONS
from shadowfleet.simulate.writer import received, settle_gaps, write_csv, write_truth

__all__ = ["EVENT_TYPES", "LISTED_TANKER", "REGIONS", "Reception", "simulate"]
START = datetime(2024, 3, 1, tzinfo=UTC)


def simulate(
    out: Path, vessels: int, days: float, seed: int, region: str = "yellow_sea", reception: str = "mixed"
) -> tuple[Path, Path, int]:
    """Write `ais.csv` (what the receivers logged) and `truth.json` into `out`; returns both paths and
    the number of reports. `vessels` is the background traffic; planted cases and decoys come on top."""
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}: choose {', '.join(REGIONS)}")
    try:
        model = Reception(reception)
    except ValueError:
        raise ValueError(f"unknown reception {reception!r}: choose {', '.join(r.value for r in Reception)}") from None
    where = REGIONS[region]
    sim = Simulator(seed, max(days, where.min_days), START, where)
    coverage = plan_coverage(sim, model, np.random.default_rng([seed, 1]))
    truth = Truth()
    background(sim, vessels)
    anchorages(sim, truth)
    plant_all(sim, coverage, truth)
    hole_silenced(sim, coverage, truth)
    classic_decoys(sim, coverage, truth)
    fixes = [v.fixes() for v in sim.vessels]
    heard = hear(sim, coverage, fixes, [v.cls for v in sim.vessels], np.random.default_rng([seed, 2]))
    reports = [received(v, h, f) for v, h, f in zip(sim.vessels, heard, fixes, strict=True)]
    settle_gaps(truth, reports)
    logged = Heard(sim, reports)
    hidden = {i: why for i, case in enumerate(truth.cases) if (why := unobservable(case, logged)) is not None}
    out.mkdir(parents=True, exist_ok=True)
    csv_path, truth_path = out / "ais.csv", out / "truth.json"
    rows = write_csv(sim, reports, csv_path)
    write_truth(sim, coverage, truth, reports, truth_path, hidden)
    return csv_path, truth_path, rows
