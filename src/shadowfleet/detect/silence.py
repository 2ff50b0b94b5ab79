"""How likely a silent vessel was simply missed: the reception map read along its gap and around it.

For every whole hour of a gap, where the vessel would have been (on the line between the gap's ends), the
share of the *other* vessels present within the reception radius that were heard in that hour: in a
satellite-only sea it is 0 between passes, well below 1 in a crowded cell on a pass (message collisions,
reference.md §7) and 0 throughout a coverage hole. The vessel's own audibility next to those
neighbours (a: heard with chance 1 - (1 - s)^a in an hour where a share s of them were, as a pass's
collisions make it) is weighed by how well each value explains the hours before and after the gap: a
class B set or a low antenna is heard less than the ships around it, and few hours around leave it
uncertain. Then the chance it was missed in every hour of the gap, hours taken as independent passes and
each at its own share, is the product of (1 - its chance) over the gap's hours, averaged over a. Hours
with nobody else near say nothing of the receivers: they are judged at its own rate in every hour
around, and count toward no hole. GFW's rule asks the same question with fixed counts (reception > 10
positions a day, 14 satellite positions in the 12 h before, reference.md §1 and §7); the map answers it
where and when the gap was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shadowfleet.core.geo import haversine_m, land
from shadowfleet.detect.reception import CELL_DEG, MAX_SPAN_H, US_PER_H, Reception, cell

MAX_HOURS = 14 * 24  # the hours of a long gap examined for reception: two weeks tell a hole from a ship
MAX_RATE = 0.99  # nobody is heard for certain in an hour: a shore station loses ~3 % of messages (reference.md §7)
# the prior on a vessel's audibility next to its neighbours (`_hit`): flat from deaf to 1.5 times theirs. Ships
# on one pass share its collisions; what sets one apart is its class and antenna (class B is heard about half as
# well, reference.md §7), so a set heard far better than all around it is not to be assumed from a few hours
# (3.0 let 6-of-7 hours read "twice as audible" and made chance alarms, measured on mixed seeds 1, 2, 4)
MAX_AUDIBILITY = 1.5
_A_GRID = np.linspace(MAX_AUDIBILITY / 120, MAX_AUDIBILITY, 120)
_PROBES = {"gap": pl.UInt32, "hour": pl.Int64, "at_lat": pl.Float64, "at_lon": pl.Float64}
# off the straight line, left (+) and right (-): as far as it could have been, and halfway (a hole between)
_SIDES = (-1.0, -0.5, 0.5, 1.0)
_M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)
# the nearer ring a hole is looked for in too (`_dead_core`), as a share of the reception radius: half of 40 km
# lies inside a shore station's range and well inside a hole's side (reference.md §7)
CORE_SHARE = 0.5
# ... where a run of unheard hours must hold this many hours of others present there, none heard, in hours a
# pass heard others further out: a pass decodes about half the ships of a busy cell (reference.md §7), so ten
# such vessel-hours all missed by chance is ~1e-3, and three hours of one lone neighbour unheard is no hole
MIN_UNHEARD_VESSEL_H = 10
# how many others' worth of weight an hour's share of them heard is shrunk with towards the gap's pooled share
# (`_likely`): one or two neighbours heard say little of the chance a pass hears a ship there (collisions,
# reference.md §7), so an hour that heard 2 of 2 reads as well as the others' passes did, not as a certainty
PRIOR_VESSELS = 2.0


@dataclass(frozen=True)
class Silences:
    """Per gap (in the gaps frame's row order): what the reception map says about its silence."""

    heard_h: np.ndarray  # whole hours of the gap in which others near it were heard
    empty_h: np.ndarray  # whole hours of the gap with no other vessel present near it
    dead_h: np.ndarray  # hours of the gap inside runs with nobody near heard, longer than a revisit
    examined_h: np.ndarray  # whole hours of the gap examined
    vessels: np.ndarray  # the most others heard near it in one hour of the gap
    share: np.ndarray  # mean share of the others present near it that were heard, over the hours with any heard
    rate: np.ndarray  # how often it was heard around the gap in hours others near it were, as far out at sea
    was: np.ndarray  # ... the hours it was heard
    could: np.ndarray  # ... of these hours
    audibility: np.ndarray  # how often it is heard next to its neighbours (1: as often), weighed over those hours
    sticky: np.ndarray  # the chance it is missed in such an hour after it was missed in the one before
    expected_h: np.ndarray  # hours of the gap in which it would have been heard, expected
    chance: np.ndarray  # chance it was missed in every hour of the gap by bad luck alone


def silences(
    gaps: pl.DataFrame,
    tracks: pl.DataFrame,
    reception: Reception,
    radius_m: float,
    around_h: float,
    max_unheard_h: float,
    shore_slack_m: float,
    satellite_m: float,
) -> Silences:
    """`gaps`: mmsi, ts, ts_next, lat, lon, lat_next, lon_next (null for an open gap), open. `around_h`: the
    hours before and after each gap its own rate is judged on; `shore_slack_m`: how much nearer the shore than
    the gap's nearest point an hour there may be and still count (shore stations hear far better than
    satellites, reference.md §7: hours in their range say nothing of how it is heard out at sea);
    `satellite_m`: beyond this from shore only satellites hear, so every hour out there counts whatever the
    gap's distance (a gap 115 nm out is judged on its hours 60 nm out too, not on two hours beyond 110 nm)."""
    n = gaps.height
    gap_ids = pl.DataFrame(
        {
            "gap": np.arange(n, dtype=np.uint32),
            # a closed gap's vessel is itself on the map in its gap's hours (present, unheard): not a neighbour
            "me": (~gaps["open"] & (gaps["ts_next"] - gaps["ts"] <= MAX_SPAN_H * US_PER_H)).cast(pl.UInt32),
        }
    )
    probes = _gap_probes(gaps)
    during = (
        _near(probes, reception, radius_m, radius_m * CORE_SHARE)
        .join(gap_ids, on="gap")
        .with_columns(
            _share(pl.col("vessels"), pl.col("present") - pl.col("me")),
            _likely(pl.col("vessels"), pl.col("present") - pl.col("me")),
            _shore(),
        )
    )
    nearest = during.group_by("gap").agg(pl.col("shore_m").min().alias("nearest_m"))
    around = (
        pl.concat(
            [
                _near(_around_probes(gaps, tracks, around_h, after), reception, radius_m).with_columns(
                    side=pl.lit(after)
                )
                for after in (False, True)
            ]
        )
        .with_columns(_shore(), (pl.col("vessels").cast(pl.Int64) - pl.col("own").cast(pl.Int64) > 0).alias("others"))
        .join(nearest, on="gap", how="left")
        .filter(pl.col("shore_m") >= pl.min_horizontal(pl.col("nearest_m").fill_null(0.0) - shore_slack_m, satellite_m))
    )
    with_others = around.filter(pl.col("others"))
    could, was, rate, sticky = _hit_rate(with_others, n)
    # hours it could have spent in a hole off the straight line are no evidence of its silence
    off_line = pl.concat(
        [
            _dead_off_the_line(probes, gap_ids, reception, radius_m, max_unheard_h),
            _dead_core(during, radius_m * CORE_SHARE, max_unheard_h),
        ]
    ).unique()
    heard = during.filter(pl.col("vessels") > 0).join(off_line, on=["gap", "hour"], how="anti")
    heard_h = _per_gap(heard, pl.len(), n)
    audibility, expected_h, missed = _audible(with_others, heard, n)
    # hours with nobody else near it at all say nothing of the reception there: judged by how often it was
    # heard in every hour around the gap, others or not (a ship heard every hour near an empty coast is not
    # missed for 9 h by chance; one heard only at satellite passes is)
    empty_h = _per_gap(during.filter(pl.col("present").cast(pl.Int64) - pl.col("me").cast(pl.Int64) <= 0), pl.len(), n)
    _, _, rate_all, sticky_all = _hit_rate(around, n)
    # the empty hours continue the run of misses, or start it where no hour had others heard
    alone = np.where(heard_h > 0, sticky_all**empty_h, _missed_run(empty_h, 1.0 - rate_all, sticky_all))
    dead_h, examined_h, vessels = _dead_air(during, n, max_unheard_h)
    dead_h = np.maximum(dead_h, _per_gap(off_line, pl.len(), n))
    return Silences(
        heard_h=heard_h,
        empty_h=empty_h,
        dead_h=dead_h,
        examined_h=examined_h,
        vessels=vessels,
        share=_per_gap(heard, pl.col("share").mean(), n),
        rate=rate,
        was=was,
        could=could,
        audibility=audibility,
        expected_h=expected_h,
        sticky=sticky,
        chance=missed * alone,
    )


def _audible(around: pl.DataFrame, heard: pl.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per gap: how audible the vessel is next to its neighbours (a: in an hour where a share s of the others
    near it were heard, it is heard with chance 1 - (1 - s)^a, `_hit`), and, weighing every value of a by how
    well it explains the hours around the gap (a flat prior on 0..`MAX_AUDIBILITY`), the hours of the gap it
    would have been heard in and the chance it was missed in every one. A class B set is heard less than its
    neighbours on the same pass (collisions, reference.md §7); few hours around leave a wide and so forgiving
    spread of a; and each hour of the gap is judged by its own share (a crowded cell), not an average one."""
    grid = _A_GRID[None, :]
    # around: the share of the *others* heard (itself excluded from both counts), and whether it was heard
    others = around.select(
        "gap",
        "own",
        (pl.col("vessels").cast(pl.Int64) - pl.col("own").cast(pl.Int64)).alias("h"),
        (pl.col("present").cast(pl.Int64) - 1).alias("p"),
    ).select("gap", "own", _likely(pl.col("h"), pl.col("p")).alias("s"))
    fit = np.zeros((n, len(_A_GRID)))
    for (own,), part in others.group_by("own"):
        p = _hit(grid, part["s"].to_numpy())
        np.add.at(fit, part["gap"].to_numpy(), np.log(p) if own else np.log1p(-p))
    weight = np.exp(fit - fit.max(axis=1, keepdims=True))
    weight /= weight.sum(axis=1, keepdims=True)
    hit = _hit(grid, heard["likely"].to_numpy())
    missed_log, expected = np.zeros((n, len(_A_GRID))), np.zeros((n, len(_A_GRID)))
    np.add.at(missed_log, heard["gap"].to_numpy(), np.log1p(-hit))
    np.add.at(expected, heard["gap"].to_numpy(), hit)
    return (weight * _A_GRID).sum(axis=1), (weight * expected).sum(axis=1), (weight * np.exp(missed_log)).sum(axis=1)


def _hit(audibility: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Chance it is heard in an hour where a `share` of the others near it were, at each `audibility` (rows:
    hours, columns: values of a). A pass decodes a ship in a cell of n with chance 1 - exp(-k / n) (k: what it
    tells apart before collisions win, reference.md §7); a set heard a times as well has 1 - exp(-a k / n),
    that is 1 - (1 - share)^a: as its neighbours at a = 1, never certain."""
    missed = 1.0 - np.minimum(share[:, None], MAX_RATE)
    hit: np.ndarray = np.clip(1.0 - missed**audibility, 1e-9, MAX_RATE)
    return hit


def _missed_run(hours: np.ndarray, first: np.ndarray, then: np.ndarray) -> np.ndarray:
    """Chance of missing `hours` hours in a row: the first at `first`, each next one at `then` (1 for none)."""
    return np.where(hours > 0, first * then ** np.maximum(hours - 1, 0), 1.0)


def _hit_rate(around: pl.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per gap, from the hours around it: the hours, those it was heard in, its rate of being heard, and the
    chance to miss the next hour after missing one."""
    could = _per_gap(around, pl.len(), n)
    was = _per_gap(around, pl.col("own").sum(), n)
    rate = np.minimum((was + 1) / (could + 2), MAX_RATE)  # Laplace's rule of succession: no evidence reads 1/2
    # misses come in runs (a pass over two clock hours, a crowded cell for hours): the chance to miss the next
    # such hour after missing one, from the same hours (Laplace again)
    after_miss = (
        around.sort("gap", "side", "hour")
        .with_columns((~pl.col("own")).shift(1).over("gap", "side").alias("missed_before"))
        .filter(pl.col("missed_before").fill_null(False))
    )
    runs, again = _per_gap(after_miss, pl.len(), n), _per_gap(after_miss, (~pl.col("own")).sum(), n)
    # the prior (two hours' weight): halfway, geometrically, between independent misses (1 - rate) and certain
    # ones (1), until its own runs say otherwise
    sticky = np.maximum((again + 2 * np.sqrt(1.0 - rate)) / (runs + 2), 1.0 - rate)
    return could, was, rate, sticky


def _shore() -> pl.Expr:
    """Metres from shore of every probe's position."""
    return (
        pl.struct("at_lat", "at_lon")
        .map_batches(
            lambda s: pl.Series(
                land().shore_distance_m(s.struct.field("at_lat").to_numpy(), s.struct.field("at_lon").to_numpy())
            ),
            return_dtype=pl.Float64,
        )
        .alias("shore_m")
    )


def _share(heard: pl.Expr, present: pl.Expr) -> pl.Expr:
    """Share of the others present that were heard (0 where no other is present: nobody to judge by)."""
    heard, present = heard.cast(pl.Int64).clip(0), present.cast(pl.Int64).clip(0)
    return pl.when(present > 0).then(heard / present).otherwise(0.0).clip(0.0, 1.0).alias("share")


def _likely(heard: pl.Expr, present: pl.Expr) -> pl.Expr:
    """The chance a vessel there was heard in each hour, from `heard` of the `present` others: their share,
    shrunk towards the share pooled over the gap's hours with anyone heard (`PRIOR_VESSELS` of weight). 2 of
    2 others heard is no proof that a pass hears every ship there, unless hour after hour says so; 40 of 40
    says more than 2 of 2 (Laplace's rule of succession for the pool, as for its own rate, `_hit_rate`)."""
    heard, present = heard.cast(pl.Int64).clip(0), present.cast(pl.Int64).clip(0)
    present = pl.max_horizontal(heard, present)
    passes = heard > 0
    pooled = (heard.filter(passes).sum() + 1) / (present.filter(passes).sum() + 2)
    prior = pooled.over("gap") * PRIOR_VESSELS
    return ((heard + prior) / (present + PRIOR_VESSELS)).alias("likely")


def _per_gap(frame: pl.DataFrame, value: pl.Expr, n: int) -> np.ndarray:
    out = np.zeros(n)
    per = frame.group_by("gap").agg(value.cast(pl.Float64).alias("value"))
    out[per["gap"].to_numpy()] = per["value"].fill_null(0.0).to_numpy()
    return out


def _gap_probes(gaps: pl.DataFrame) -> pl.DataFrame:
    """Every whole hour strictly inside each gap (neither end's hour, where the vessel itself was heard) and
    where the vessel would have been at its middle: on the straight line between the gap's ends, as the
    reception map places a silent vessel; at its start for an open gap. With `off_m`, how far to either side
    of that line it could have been then, sailing at most `reach_m` in the gap (within reach of both ends in
    time: the two circles' crossing; 0 where it could not leave the line), and `left_lat`, `left_lon`: the
    degrees one metre to the left of the line moves it (`_aside`)."""
    first = pl.col("ts") // US_PER_H + 1
    reach = pl.col("reach_m") if "reach_m" in gaps.columns else pl.lit(None, pl.Float64)
    hours = (
        gaps.with_row_index("gap")
        .select(
            "gap",
            "ts",
            "ts_next",
            "lat",
            "lon",
            pl.col("lat_next").fill_null(pl.col("lat")),
            pl.col("lon_next").fill_null(pl.col("lon")),
            reach.fill_null(0.0).alias("reach"),
            pl.int_ranges(first, pl.min_horizontal(pl.col("ts_next") // US_PER_H, first + MAX_HOURS)).alias("hour"),
        )
        .explode("hour")
        .drop_nulls("hour")
    )
    frac = (pl.col("hour") * US_PER_H + US_PER_H // 2 - pl.col("ts")).cast(pl.Float64) / (
        pl.col("ts_next") - pl.col("ts")
    ).cast(pl.Float64)
    # a local flat frame in metres: east and north of the start, and the unit vector left of the line
    scale = np.cos(np.radians(pl.col("lat")))
    east = (pl.col("lon_next") - pl.col("lon")) * scale * _M_PER_DEG
    north = (pl.col("lat_next") - pl.col("lat")) * _M_PER_DEG
    length = (east**2 + north**2).sqrt()
    left_east = pl.when(length > 0).then(-north / length).otherwise(0.0)
    left_north = pl.when(length > 0).then(east / length).otherwise(1.0)
    before, after = pl.col("reach") * frac, pl.col("reach") * (1.0 - frac)
    along = pl.when(length > 0).then((before**2 - after**2 + length**2) / (2 * length)).otherwise(0.0)
    # where one circle lies inside the other (near an end, or back where it started) the smaller one bounds it
    crossing = pl.when((before - after).abs() >= length).then(pl.min_horizontal(before, after))
    off = crossing.otherwise((before**2 - along**2).clip(0.0).sqrt())
    return hours.select(
        "gap",
        "hour",
        (pl.col("lat") + frac * (pl.col("lat_next") - pl.col("lat"))).alias("at_lat"),
        (pl.col("lon") + frac * (pl.col("lon_next") - pl.col("lon"))).alias("at_lon"),
        pl.when(pl.col("reach") > length).then(off).otherwise(0.0).alias("off_m"),
        (left_north / _M_PER_DEG).alias("left_lat"),
        (left_east / (_M_PER_DEG * scale)).alias("left_lon"),
    ).cast({**_PROBES, "off_m": pl.Float64, "left_lat": pl.Float64, "left_lon": pl.Float64})  # type: ignore[dict-item]


def _aside(probes: pl.DataFrame, side: float) -> pl.DataFrame:
    """The gaps' probes moved `side` times their `off_m` to the left of the line (negative: to the right),
    for the gaps that could have left it (the others' would be the line's own)."""
    distance = pl.col("off_m") * side
    return probes.filter((pl.col("off_m") > 0).any().over("gap")).with_columns(
        pl.col("at_lat") + distance * pl.col("left_lat"),
        pl.col("at_lon") + distance * pl.col("left_lon"),
        distance.abs().alias("aside_m"),
    )


def _around_probes(gaps: pl.DataFrame, tracks: pl.DataFrame, hours_around: float, after: bool) -> pl.DataFrame:
    """The whole hours of the look-back before each gap (or of the look-ahead after a closed one), without the
    gap's own end hours (heard by definition), where the vessel was then (its last fix by the hour's end), and
    whether it was itself heard in that hour."""
    span = int(hours_around)
    edge = pl.col("ts_next") // US_PER_H if after else pl.col("ts") // US_PER_H
    lo, hi = (edge + 1, edge + span + 1) if after else (edge - span, edge)
    hours = (
        gaps.with_row_index("gap")
        .filter(~pl.col("open") if after else pl.lit(True))
        .select("gap", "mmsi", pl.int_ranges(lo, hi).alias("hour"))
        .explode("hour")
        .drop_nulls("hour")
        .with_columns((pl.col("hour") * US_PER_H + US_PER_H - 1).alias("hour_end"))
        .sort("hour_end")
    )
    own = tracks.select("mmsi", (pl.col("ts") // US_PER_H).alias("hour")).unique().with_columns(own=pl.lit(True))
    # hours after its last fix are not misses: it left the data (or the data ended)
    last = tracks.group_by("mmsi").agg((pl.col("ts").max() // US_PER_H).alias("last_hour"))
    hours = hours.join(last, on="mmsi", how="left").filter(pl.col("hour") <= pl.col("last_hour")).drop("last_hour")
    located = hours.join_asof(
        tracks.select("mmsi", "ts", pl.col("lat").alias("at_lat"), pl.col("lon").alias("at_lon")).sort("ts"),
        left_on="hour_end",
        right_on="ts",
        by="mmsi",
        strategy="backward",
        check_sortedness=False,
    )
    return (
        located.join(own, on=["mmsi", "hour"], how="left")
        .with_columns(pl.col("own").fill_null(False))
        .drop_nulls("at_lat")
        .select(*_PROBES, "own")
        .cast(_PROBES)  # type: ignore[arg-type]
    )


def _near(probes: pl.DataFrame, reception: Reception, radius_m: float, core_m: float | None = None) -> pl.DataFrame:
    """For every probe (gap, hour, position): the vessels heard and present within `radius_m` of it in that
    hour (cells whose centre lies within the radius); with `core_m`, also within that nearer radius
    (`vessels_core`, `present_core`), read off the same cells."""
    counts = ("vessels", "present", *(("vessels_core", "present_core") if core_m is not None else ()))
    if not probes.height:
        return probes.with_columns(pl.lit(0, pl.UInt32).alias(c) for c in counts)
    k = int(np.ceil(radius_m / (CELL_DEG * 111_000))) + 1
    top = float(np.abs(probes["at_lat"].to_numpy()).max())
    widest = max(float(np.cos(np.radians(min(top, 80.0)))), 0.1)
    m = int(np.ceil(k / widest))
    offsets = pl.DataFrame(
        {"di": np.repeat(np.arange(-k, k + 1), 2 * m + 1), "dj": np.tile(np.arange(-m, m + 1), 2 * k + 1)},
        schema={"di": pl.Int32, "dj": pl.Int32},
    )
    cell_lat, cell_lon = cell(pl.col("at_lat"), pl.col("at_lon"))
    near = (
        probes.select("gap", "hour", "at_lat", "at_lon")
        .with_columns(cell_lat, cell_lon)
        .join(offsets, how="cross")
        .with_columns((pl.col("cell_lat") + pl.col("di")), (pl.col("cell_lon") + pl.col("dj")))
        .join(reception.cells, on=["cell_lat", "cell_lon", "hour"], how="inner")
    )
    centre = ((near["cell_lat"].to_numpy() + 0.5) * CELL_DEG, (near["cell_lon"].to_numpy() + 0.5) * CELL_DEG)
    distance = haversine_m(near["at_lat"].to_numpy(), near["at_lon"].to_numpy(), *centre)
    sums = [pl.col("vessels").sum(), pl.col("present").sum()]
    if core_m is not None:
        near = near.with_columns(pl.Series("core", distance <= core_m))
        sums += [pl.col(c).filter(pl.col("core")).sum().alias(f"{c}_core") for c in ("vessels", "present")]
    summed = near.filter(pl.Series(distance <= radius_m)).group_by("gap", "hour").agg(sums)
    return (
        probes.join(summed, on=["gap", "hour"], how="left")
        .with_columns(pl.col(c).fill_null(0) for c in counts)
        .sort("gap", "hour")
    )


def _dead_off_the_line(
    probes: pl.DataFrame, gap_ids: pl.DataFrame, reception: Reception, radius_m: float, max_unheard_h: float
) -> pl.DataFrame:
    """The hours (gap, hour) it would have been unheard air (`_dead_hours`, `_dead_core`) had it been as far
    to either side of the straight line as it could have sailed. A ship that did not sail straight (its
    reported speed well above the distance over the time) went somewhere: a hole it could have been in
    explains its silence in those hours as well as its crew does (reference.md §7: holes have edges, and
    neighbours heard beyond an edge say nothing of the hole)."""
    sides = []
    for side in _SIDES:
        core_m = radius_m * CORE_SHARE
        full = _around_me(_near(_aside(probes, side), reception, radius_m, core_m), gap_ids, radius_m)
        sides.append(_dead_hours(full, max_unheard_h))
        sides.append(_dead_core(full, core_m, max_unheard_h))
    return pl.concat(sides).unique()


def _around_me(near: pl.DataFrame, gap_ids: pl.DataFrame, radius_m: float) -> pl.DataFrame:
    """`near` (probes moved off the line, `_aside`) with `me`: whether the vessel itself is among those
    present (the map places it on the straight line: a neighbour only where a probe off it is out of reach)."""
    beside = pl.col("aside_m") <= radius_m
    return near.join(gap_ids, on="gap").with_columns((pl.col("me") * beside).cast(pl.UInt32).alias("me"))


def _dead_core(full: pl.DataFrame, core_m: float, max_unheard_h: float) -> pl.DataFrame:
    """The hours (gap, hour) of the probes (`full`, read by `_near` with `core_m`) inside runs where nobody
    within the nearer `core_m` was heard, holding at least `MIN_UNHEARD_VESSEL_H` hours of others present
    there, unheard, while others within the full radius were heard: a pass came and missed everybody near.
    Holes have edges: deep inside one, ships heard beyond its edge still fall within the full radius and make
    its hours read as heard, at a low share (reference.md §7)."""
    off = pl.col("aside_m") if "aside_m" in full.columns else pl.lit(0.0)
    core = full.with_columns(
        pl.col("vessels_core").alias("vessels"),
        pl.col("present_core").alias("present"),
        (pl.col("me") * (off <= core_m)).cast(pl.UInt32).alias("me"),
        (pl.col("vessels") > 0).alias("passed"),
    )
    return _dead_hours(core, max_unheard_h, MIN_UNHEARD_VESSEL_H)


def _dead_hours(during: pl.DataFrame, max_unheard_h: float, min_vessel_h: int = 0) -> pl.DataFrame:
    """The hours (gap, hour) inside runs where nobody near it was heard for longer than `max_unheard_h`
    (longer than a satellite revisit: a hole), with at least `min_vessel_h` of others' hours in the run (in its
    hours with a pass, where the frame says which: `passed`)."""
    heard = pl.col("vessels") > 0
    # an hour with nobody else near says nothing of the receivers (no one there to be heard): it neither counts
    # toward a hole nor breaks one; only hours with others present and none heard are unheard air
    others = pl.col("present").cast(pl.Int64) - pl.col("me").cast(pl.Int64)
    passed = pl.col("passed").cast(pl.Int64) if "passed" in during.columns else pl.lit(1)
    runs = (
        during.filter(others > 0)
        .sort("gap", "hour")
        .with_columns(
            ((heard != heard.shift(1)) | (pl.col("gap") != pl.col("gap").shift(1)))
            .fill_null(True)
            .cum_sum()
            .alias("run")
        )
    )
    long_silent = (
        runs.group_by("gap", "run")
        .agg(heard.first().alias("heard"), pl.len().alias("hours"), (others * passed).sum().alias("vessel_h"))
        .filter(~pl.col("heard") & (pl.col("hours") > max_unheard_h) & (pl.col("vessel_h") >= min_vessel_h))
    )
    return runs.join(long_silent.select("gap", "run"), on=["gap", "run"]).select("gap", "hour")


def _dead_air(during: pl.DataFrame, n: int, max_unheard_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per gap: the hours inside runs where nobody near it was heard for longer than `max_unheard_h` (a hole),
    the hours examined, and the most vessels heard near it in one hour."""
    vessels = np.zeros(n, np.int64)
    per = during.group_by("gap").agg(pl.col("vessels").max())
    vessels[per["gap"].to_numpy()] = per["vessels"].to_numpy()
    dead = _dead_hours(during, max_unheard_h)
    return _per_gap(dead, pl.len(), n), _per_gap(during, pl.len(), n), vessels
