"""The details of one scenario, drawn from its seed within published ranges, so that no detector can be
tuned to one generator's constants: how far shore stations hear, how often satellites pass and how many
ships a pass tells apart, how many coverage holes and how long, how big and busy the anchorages are, how
long and how close the transfers, how long the dark periods, how many decoys.

Ranges (reference.md): shore reception 20-40 nm and satellite revisits from tens of minutes to hours,
collisions in dense seas, areas unheard for hours (section 7, "Shore reception", "Satellite reception");
outer anchorages 15-60 km off the port (section 7); transfers at night for several hours, within 500 m
(section 1: GFW >= 2 h, Ballinger < 500 m; Starboard < 50 m alongside; section 2, "Timing"); intentional
AIS gaps >= 12 h, all gaps >= 6 h recorded (section 1, "AIS gap"); loitering reports use >= 4 h (section 1).
`truth.json` lists what was drawn under "details".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Span:
    """A range the scenario draws its values from."""

    lo: float
    hi: float

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.lo, self.hi))

    def count(self, rng: np.random.Generator) -> int:
        return int(rng.integers(round(self.lo), round(self.hi) + 1))


def _span(rng: np.random.Generator, lo: tuple[float, float], width: tuple[float, float], digits: int = 2) -> Span:
    """A sub-range of a published range: its low end drawn from `lo`, its width from `width`."""
    low = float(rng.uniform(*lo))
    return Span(round(low, digits), round(low + float(rng.uniform(*width)), digits))


@dataclass(frozen=True)
class Details:
    # reception (reference.md section 7)
    shore_range_nm: Span  # each 2-degree stretch of coast has its own range within this span
    shore_edge_nm: float  # the fading edge beyond it
    pass_interval_h: Span  # time from one satellite pass to the next
    pass_minutes: Span  # how long a pass hears
    cell_capacity: Span  # ships a pass tells apart in a 1-degree cell before collisions win
    messages_per_pass: int  # at most this many messages of a ship heard in one pass
    class_b_factor: float  # class B is heard this much less often
    holes: int  # coverage holes (areas no satellite hears)
    hole_side_deg: Span
    hole_hours: Span
    # anchorages (reference.md section 7, "Outer anchorages")
    anchorages: int
    anchorage_radius_m: Span
    anchorage_ships: Span
    anchorage_wait_h: Span
    alongside_share: float  # share of waiting ships that anchor beside another
    # planted cases
    sts_transfers: int  # sparse transfers in the hot spot (besides the listed chain and the meeting)
    sts_hours: Span  # reference.md section 2: several hours, at night
    sts_apart_m: Span  # reference.md section 1: within 500 m; alongside is tens of metres
    loiterers: int
    loiter_hours: Span
    dark_hours: Span  # reference.md section 1: intentional gaps >= 12 h
    excursions: int
    # decoys
    crossings: int
    trawler_pairs: int
    tug_assists: int
    dropouts: int
    dropout_minutes: Span  # natural dropouts, far below the 6 h GFW records
    typo_draughts: int
    hole_fishers: Span  # fishing vessels silenced by each hole

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def draw_details(seed: int) -> Details:
    """The scenario's details, from their own random stream (the same under both reception models)."""
    rng = np.random.default_rng([seed, 4])
    return Details(
        shore_range_nm=_span(rng, (20.0, 30.0), (2.0, 10.0), 1),
        shore_edge_nm=round(float(rng.uniform(3.0, 7.0)), 1),
        pass_interval_h=_span(rng, (0.5, 1.3), (0.5, 1.7)),
        pass_minutes=_span(rng, (5.0, 10.0), (2.0, 6.0), 1),
        cell_capacity=_span(rng, (8.0, 25.0), (5.0, 20.0), 1),
        messages_per_pass=int(rng.integers(2, 5)),
        class_b_factor=round(float(rng.uniform(0.4, 0.8)), 2),
        holes=int(rng.integers(1, 5)),
        hole_side_deg=_span(rng, (0.6, 1.0), (0.4, 1.0)),
        hole_hours=_span(rng, (5.0, 9.0), (3.0, 8.0), 1),
        anchorages=int(rng.integers(2, 4)),
        anchorage_radius_m=_span(rng, (1000.0, 2000.0), (500.0, 2500.0), 0),
        anchorage_ships=_span(rng, (10.0, 16.0), (5.0, 14.0), 0),
        anchorage_wait_h=_span(rng, (4.0, 8.0), (12.0, 30.0), 1),
        alongside_share=round(float(rng.uniform(0.15, 0.45)), 2),
        sts_transfers=int(rng.integers(2, 5)),
        sts_hours=_span(rng, (2.5, 4.5), (2.0, 6.0), 1),
        sts_apart_m=_span(rng, (25.0, 80.0), (100.0, 380.0), 0),
        loiterers=int(rng.integers(2, 5)),
        loiter_hours=_span(rng, (4.5, 7.0), (2.0, 6.0), 1),
        dark_hours=_span(rng, (12.0, 15.0), (2.0, 9.0), 1),
        excursions=int(rng.integers(1, 4)),
        crossings=int(rng.integers(1, 3)),
        trawler_pairs=int(rng.integers(1, 3)),
        tug_assists=int(rng.integers(1, 3)),
        dropouts=int(rng.integers(1, 4)),
        dropout_minutes=_span(rng, (15.0, 30.0), (10.0, 60.0), 0),
        typo_draughts=int(rng.integers(1, 3)),
        hole_fishers=_span(rng, (1.0, 1.0), (1.0, 2.0), 0),
    )
