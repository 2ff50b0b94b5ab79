"""ais_gap: a vessel at sea falls silent for hours (GFW pipe-gaps' rule, with its known flaws fixed:
gaps still open at the end of the data are events too, and berthed vessels are not)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shadowfleet.core.events import AisGapDetails, EventType, GapReception
from shadowfleet.core.geo import NM_M, haversine_m, land, ports
from shadowfleet.detect.coverage import Coverage
from shadowfleet.detect.events import Config, EventBuilder, Params
from shadowfleet.detect.reception import CELL_DEG as _CELL_DEG
from shadowfleet.detect.reception import Reception
from shadowfleet.detect.reception import cell as _cell
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000


@dataclass(frozen=True)
class GapParams(Params):
    min_gap_h: float
    long_gap_h: float
    far_from_shore_nm: float
    port_radius_km: float
    min_shore_distance_nm: float
    lookback_h: float
    min_positions_before: int
    max_chance: float
    reception_radius_km: float
    max_unheard_h: float


def _candidates(tracks: pl.DataFrame, min_gap_us: int, coverage: Coverage) -> pl.DataFrame:
    """Silences of at least `min_gap_us` inside one recording interval: between two fixes of a vessel,
    or after its last fix until the interval ends (an open gap)."""
    # fixes are sorted by vessel and time: the next row is the vessel's next fix unless the vessel changes
    vessel_ends = pl.col("mmsi") != pl.col("mmsi").shift(-1)
    nxt = [
        pl.when(vessel_ends).then(None).otherwise(pl.col(c).shift(-1)).alias(f"{c}_next")
        for c in ("ts", "lat", "lon", "source", "line")
    ]
    pairs = tracks.with_columns(nxt).with_columns(
        pl.Series("recording_end", coverage.end_of(tracks["ts"].to_numpy()), dtype=pl.Int64)
    )
    closed = pairs.filter(
        (pl.col("ts_next") - pl.col("ts") >= min_gap_us) & (pl.col("ts_next") <= pl.col("recording_end"))
    ).with_columns(pl.lit(False).alias("open"))
    last = pairs.filter(pl.col("ts_next").is_null() & (pl.col("recording_end") - pl.col("ts") >= min_gap_us))
    still_open = last.with_columns(pl.col("recording_end").alias("ts_next"), pl.lit(True).alias("open"))
    return pl.concat([closed, still_open])


def _prior_reporting(gaps: pl.DataFrame, tracks: pl.DataFrame, params: GapParams) -> pl.DataFrame:
    """How densely each vessel reported in the hours before its gap: the fixes and the longest silence in the
    lookback window (GFW judges a gap on the 12 h before it, reference.md §1 and §7)."""
    lookback = int(params.lookback_h * _US_PER_H)
    prior = (
        tracks.select("mmsi", "ts")
        .with_columns((pl.col("ts") - pl.col("ts").shift(1)).over("mmsi").alias("interval"))
        .rolling(index_column="ts", period=f"{lookback}i", group_by="mmsi")
        .agg(pl.len().alias("positions_before"), pl.col("interval").slice(1).max().alias("longest_before"))
        # fixes at the same instant (two receivers, two files) share a window: one row per vessel and time
        .group_by("mmsi", "ts")
        .agg(pl.col("positions_before").max(), pl.col("longest_before").max())
    )
    return gaps.join(prior, on=["mmsi", "ts"], how="left", maintain_order="left")


_MAX_HOURS = 14 * 24  # the hours of a long gap examined for reception: two weeks tell a hole from a ship


_PROBES = {"gap": pl.UInt32, "hour": pl.Int64, "at_lat": pl.Float64, "at_lon": pl.Float64}


def _gap_probes(gaps: pl.DataFrame) -> pl.DataFrame:
    """Every whole hour inside each gap and where the vessel would have been then (on the straight line
    between the gap's ends; at its start for an open gap). Whole hours only: the vessel's own fixes at the
    gap's ends lie in the partial hours, so whoever is heard in these is somebody else."""
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
            pl.int_ranges(
                -(-pl.col("ts") // _US_PER_H),
                pl.min_horizontal(pl.col("ts_next") // _US_PER_H, -(-pl.col("ts") // _US_PER_H) + _MAX_HOURS),
            ).alias("hour"),
        )
        .explode("hour")
        .drop_nulls("hour")
    )
    frac = (((pl.col("hour") * _US_PER_H + _US_PER_H // 2) - pl.col("ts")) / (pl.col("ts_next") - pl.col("ts"))).clip(
        0.0, 1.0
    )
    return hours.select(
        "gap",
        "hour",
        (pl.col("lat") + frac * (pl.col("lat_next") - pl.col("lat"))).alias("at_lat"),
        (pl.col("lon") + frac * (pl.col("lon_next") - pl.col("lon"))).alias("at_lon"),
    ).cast(_PROBES)  # type: ignore[arg-type]


def _around_probes(gaps: pl.DataFrame, tracks: pl.DataFrame, hours_around: float, after: bool) -> pl.DataFrame:
    """Every hour of the look-back before each gap (or of the look-ahead after a closed one), where the vessel
    was then (its last fix by the hour's end), and whether it was itself heard in that hour."""
    span = int(hours_around * _US_PER_H)
    edge = pl.col("ts_next") if after else pl.col("ts")
    lo, hi = (edge, edge + span) if after else (edge - span, edge)
    hours = (
        gaps.with_row_index("gap")
        .filter(~pl.col("open") if after else pl.lit(True))
        .select("gap", "mmsi", pl.int_ranges(lo // _US_PER_H, hi // _US_PER_H + 1).alias("hour"))
        .explode("hour")
        .with_columns((pl.col("hour") * _US_PER_H + _US_PER_H - 1).alias("hour_end"))
        .sort("hour_end")
    )
    own = tracks.select("mmsi", (pl.col("ts") // _US_PER_H).alias("hour")).unique().with_columns(own=pl.lit(True))
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


def _heard(probes: pl.DataFrame, reception: Reception, radius_m: float) -> pl.DataFrame:
    """For every probe (gap, hour, position), whether anybody was heard within `radius_m` of it in that hour,
    and how many vessels at most."""
    if not probes.height:
        return probes.with_columns(pl.lit(False).alias("heard"), pl.lit(0, pl.UInt32).alias("vessels"))
    k = int(np.ceil(radius_m / (_CELL_DEG * 111_000))) + 1
    top = float(np.abs(probes["at_lat"].to_numpy()).max())
    widest = max(float(np.cos(np.radians(min(top, 80.0)))), 0.1)
    m = int(np.ceil(k / widest))
    offsets = pl.DataFrame(
        {"di": np.repeat(np.arange(-k, k + 1), 2 * m + 1), "dj": np.tile(np.arange(-m, m + 1), 2 * k + 1)},
        schema={"di": pl.Int32, "dj": pl.Int32},
    )
    cell_lat, cell_lon = _cell(pl.col("at_lat"), pl.col("at_lon"))
    near = (
        probes.select("gap", "hour", "at_lat", "at_lon")
        .with_columns(cell_lat, cell_lon)
        .join(offsets, how="cross")
        .with_columns((pl.col("cell_lat") + pl.col("di")), (pl.col("cell_lon") + pl.col("dj")))
        .join(reception.cells, on=["cell_lat", "cell_lon", "hour"], how="inner")
    )
    centre = ((near["cell_lat"].to_numpy() + 0.5) * _CELL_DEG, (near["cell_lon"].to_numpy() + 0.5) * _CELL_DEG)
    within = haversine_m(near["at_lat"].to_numpy(), near["at_lon"].to_numpy(), *centre) <= radius_m
    heard = (
        near.filter(pl.Series(within))
        .group_by("gap", "hour")
        .agg(pl.col("vessels").sum())  # at most: a vessel crossing cells within the hour counts in each
        .with_columns(pl.lit(True).alias("heard"))
    )
    return (
        probes.join(heard, on=["gap", "hour"], how="left")
        .with_columns(pl.col("heard").fill_null(False), pl.col("vessels").fill_null(0))
        .sort("gap", "hour")
    )


def _own_hit_rate(before: pl.DataFrame, gaps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per gap: the hours of the look-back in which anybody near the vessel was heard (itself included), and
    in how many of those the vessel itself was: how reliably it was heard when it could be."""
    counts = before.group_by("gap").agg(
        (pl.col("heard") | pl.col("own")).sum().alias("could"), pl.col("own").sum().alias("was")
    )
    could, was = np.zeros(gaps), np.zeros(gaps)
    could[counts["gap"].to_numpy()] = counts["could"].to_numpy()
    was[counts["gap"].to_numpy()] = counts["was"].to_numpy()
    return could, was


def _dead_air_h(heard: pl.DataFrame, gaps: int, max_unheard_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per gap: the hours inside runs where nobody nearby was heard for longer than `max_unheard_h` (longer
    than a satellite revisit: a hole), the hours examined, and the most vessels heard nearby in one hour."""
    runs = (
        heard.with_columns(
            ((pl.col("heard") != pl.col("heard").shift(1)) | (pl.col("gap") != pl.col("gap").shift(1)))
            .fill_null(True)
            .cum_sum()
            .alias("run")
        )
        .group_by("gap", "run")
        .agg(pl.col("heard").first(), pl.len().alias("hours"), pl.col("vessels").max())
    )
    dead = runs.filter(~pl.col("heard") & (pl.col("hours") > max_unheard_h)).group_by("gap").agg(pl.col("hours").sum())
    examined = runs.group_by("gap").agg(pl.col("hours").sum(), pl.col("vessels").max())
    dead_h, examined_h, vessels = np.zeros(gaps), np.zeros(gaps), np.zeros(gaps, np.int64)
    dead_h[dead["gap"].to_numpy()] = dead["hours"].to_numpy()
    examined_h[examined["gap"].to_numpy()] = examined["hours"].to_numpy()
    vessels[examined["gap"].to_numpy()] = examined["vessels"].to_numpy()
    return dead_h, examined_h, vessels


def detect_gaps(part: Partition, params: GapParams, out: EventBuilder, reception: Reception | None = None) -> None:
    """`reception`: who was heard where and when; by default the runner's store-wide map (`part.reception`),
    else one built from the partition's tracks (a test's frame)."""
    tracks, coverage = part.tracks, part.coverage
    gaps = _candidates(tracks, int(params.min_gap_h * _US_PER_H), coverage)
    if not gaps.height:
        return
    lat0, lon0 = gaps["lat"].to_numpy(), gaps["lon"].to_numpy()
    shore0 = land().shore_distance_m(lat0, lon0)
    _, port0 = ports().nearest(lat0, lon0)
    at_sea = (shore0 >= params.min_shore_distance_nm * NM_M) & (port0 > params.port_radius_km * 1000)
    gaps, shore0 = gaps.filter(pl.Series(at_sea)), shore0[at_sea]
    if not gaps.height:
        return
    gaps = _prior_reporting(gaps, tracks, params)
    reception = reception or part.reception or Reception.of(tracks)
    radius = params.reception_radius_km * 1000
    heard = _heard(_gap_probes(gaps), reception, radius)
    dead_h, examined_h, vessels = _dead_air_h(heard, gaps.height, params.max_unheard_h)
    heard_h = np.zeros(gaps.height)
    per_gap = heard.group_by("gap").agg(pl.col("heard").sum())
    heard_h[per_gap["gap"].to_numpy()] = per_gap["heard"].to_numpy()
    # how reliably the vessel itself was heard, before the gap and after it: the less reliable side counts
    rates = [
        _own_hit_rate(_heard(_around_probes(gaps, tracks, params.lookback_h, side), reception, radius), gaps.height)
        for side in (False, True)
    ]
    lat1, lon1 = gaps["lat_next"].to_numpy(), gaps["lon_next"].to_numpy()
    closed = ~gaps["open"].to_numpy()
    shore1 = np.full(len(gaps), np.nan)
    shore1[closed] = land().shore_distance_m(lat1[closed], lon1[closed])
    lat0, lon0 = gaps["lat"].to_numpy(), gaps["lon"].to_numpy()
    moved = np.where(closed, haversine_m(lat0, lon0, np.nan_to_num(lat1), np.nan_to_num(lon1)), np.nan)
    rows = gaps.select(
        "mmsi",
        "ts",
        "ts_next",
        "lat",
        "lon",
        "lat_next",
        "lon_next",
        "source",
        "line",
        "source_next",
        "line_next",
        "open",
        pl.col("positions_before").fill_null(0),
        (pl.col("longest_before") / _US_PER_H).alias("longest_before_h"),
    )
    for k in range(gaps.height):
        gap = _Gap(*rows.row(k))
        gap.shore0, gap.shore1, gap.moved = float(shore0[k]), float(shore1[k]), float(moved[k])
        gap.dead_air_h, gap.examined_h, gap.vessels_heard = float(dead_h[k]), float(examined_h[k]), int(vessels[k])
        gap.heard_h = float(heard_h[k])
        gap.could_before, gap.was_before = int(rates[0][0][k]), int(rates[0][1][k])
        gap.could_after, gap.was_after = int(rates[1][0][k]), int(rates[1][1][k])
        _emit(gap, params, part.config, out)


@dataclass
class _Gap:
    mmsi: int
    start: int
    end: int
    lat: float
    lon: float
    lat_next: float | None
    lon_next: float | None
    source: str
    line: int
    source_next: str | None
    line_next: int | None
    open: bool
    positions_before: int  # the vessel's fixes in the lookback window before the gap
    longest_before_h: float | None  # its longest silence there
    shore0: float = float("nan")  # metres from shore where the silence starts
    shore1: float = float("nan")  # ... and where the vessel reappears
    moved: float = float("nan")  # metres between the two
    dead_air_h: float = 0.0  # hours of the gap in which nobody near the vessel was heard (beyond a revisit)
    examined_h: float = 0.0  # whole hours of the gap examined for reception
    vessels_heard: int = 0  # the most other vessels heard near it in one hour of the gap
    heard_h: float = 0.0  # whole hours of the gap in which others near it were heard
    could_before: int = 0  # hours of the look-back in which anybody near it was heard (itself included)
    was_before: int = 0  # ... and in which it was heard itself
    could_after: int = 0  # the same for the look-ahead after a closed gap
    was_after: int = 0

    @property
    def hit_rate(self) -> float:
        """How likely it was heard in an hour when others near it were (Laplace's rule of succession), the
        lower of before and after: a ship that sailed from shore range into crowded satellite cells is heard
        less there, and its silence means less."""
        before = (self.was_before + 1) / (self.could_before + 2)
        after = (self.was_after + 1) / (self.could_after + 2) if self.could_after else before
        return min(before, after)

    @property
    def chance(self) -> float:
        """How likely its silence is by chance: missed in every hour of the gap in which others were heard."""
        return float((1.0 - self.hit_rate) ** self.heard_h)

    @property
    def hours(self) -> float:
        return (self.end - self.start) / _US_PER_H

    def reception(self, params: GapParams) -> GapReception:
        """Would the vessel have been heard? `heard`, or why not: the area was not being heard (a coverage
        hole), or the vessel's own reporting before was too sparse to show a silence (reference.md §1, §7)."""
        if self.hours - self.dead_air_h < params.min_gap_h:
            return GapReception.COVERAGE_HOLE
        if self.positions_before < params.min_positions_before or self.chance > params.max_chance:
            return GapReception.SPARSE_TRACK
        return GapReception.HEARD


_CONTEXT_SCORE = {GapReception.COVERAGE_HOLE: 0.1, GapReception.SPARSE_TRACK: 0.2}  # < 0.3: context, no alarm
_WHY_NOT = {
    GapReception.COVERAGE_HOLE: "nobody near it was heard for {dead:.0f} h of it (a coverage hole), so the "
    "silence is not the vessel's",
    GapReception.SPARSE_TRACK: "its reporting before was too sparse to show a silence (heard in {was} of {could} "
    "hours with reception in the {look:.0f} h before, {n} fixes: {chance:.0%} chance to miss it {heard:.0f} h by "
    "chance)",
}


def _emit(gap: _Gap, params: GapParams, config: Config, out: EventBuilder) -> None:
    hours = gap.hours
    far = gap.shore0 >= params.far_from_shore_nm * NM_M
    long = hours >= params.long_gap_h
    reception = gap.reception(params)
    score = _CONTEXT_SCORE.get(reception, 0.3 + 0.3 * long + 0.3 * far + 0.1 * (gap.open or gap.shore1 >= 20 * NM_M))
    where = f"{_deg(gap.lat, 'N', 'S')} {_deg(gap.lon, 'E', 'W')}, {gap.shore0 / NM_M:.0f} nm from shore"
    refs = [(gap.source, gap.line)]
    speed = None
    if gap.open or gap.lat_next is None or gap.lon_next is None or gap.source_next is None or gap.line_next is None:
        reason = f"AIS silent for {hours:.1f} h since {where}, and still silent at the end of the data"
    else:
        speed = gap.moved / NM_M / hours
        again = f"{_deg(gap.lat_next, 'N', 'S')} {_deg(gap.lon_next, 'E', 'W')}"
        reason = (
            f"AIS silent for {hours:.1f} h from {where}, reappearing {gap.moved / NM_M:.0f} nm away at {again} "
            f"({gap.shore1 / NM_M:.0f} nm from shore; implied {speed:.1f} kn)"
        )
        refs.append((gap.source_next, gap.line_next))
    why = _WHY_NOT.get(reception)
    context = None
    if why is not None:
        context = why.format(
            dead=gap.dead_air_h,
            n=gap.positions_before,
            look=params.lookback_h,
            was=gap.was_before,
            could=gap.could_before,
            chance=gap.chance,
            heard=gap.heard_h,
        )
        reason += "; context, not an alarm: " + context
    else:
        reason += f"; others nearby were heard through {hours - gap.dead_air_h:.0f} h of it"
    out.add(
        AisGapDetails(
            open=gap.open,
            shore_distance_start_nm=round(gap.shore0 / NM_M, 1),
            shore_distance_end_nm=None if np.isnan(gap.shore1) else round(gap.shore1 / NM_M, 1),
            implied_speed_kn=None if speed is None else round(speed, 2),
            hotspot=config.hotspot(gap.lat, gap.lon),
            in_coverage_hole=reception is GapReception.COVERAGE_HOLE,
            context=context,
            positions_before=gap.positions_before,
            vessels_heard_nearby=gap.vessels_heard,
            reception=reception,
            unheard_h=round(gap.dead_air_h, 1),
            reception_examined_h=round(gap.examined_h, 1),
            longest_interval_before_h=None if gap.longest_before_h is None else round(gap.longest_before_h, 2),
            heard_h=gap.heard_h,
            own_hit_rate=round(gap.hit_rate, 3),
            chance_of_silence=float(f"{gap.chance:.3g}"),
        ),
        gap.mmsi,
        gap.start,
        gap.end,
        lat=gap.lat,
        lon=gap.lon,
        score=score,
        reason=reason,
        refs=refs,
        version=params.version,
        distance_m=None if speed is None else gap.moved,
    )


def _deg(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):.2f}{positive if value >= 0 else negative}"


DETECTORS = (Detector(EventType.AIS_GAP, GapParams, detect_gaps),)
