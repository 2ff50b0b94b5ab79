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
from shadowfleet.detect.reception import Reception
from shadowfleet.detect.registry import Detector, Partition
from shadowfleet.detect.silence import Silences, silences

_US_PER_H = 3_600_000_000
_CLASS_B_MESSAGES = (19, 24)  # ITU-R M.1371: class B static reports (class A sends message 5)


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
    max_chance_class_b: float
    max_chance_long: float
    min_heard_h_long: float
    min_reach_kn: float
    reception_radius_km: float
    max_unheard_h: float
    rate_window_h: float
    shore_slack_nm: float
    satellite_beyond_nm: float


def _candidates(tracks: pl.DataFrame, min_gap_us: int, coverage: Coverage) -> pl.DataFrame:
    """Silences of at least `min_gap_us` inside one recording interval: between two fixes of a vessel,
    or after its last fix until the interval ends (an open gap)."""
    # fixes are sorted by vessel and time: the next row is the vessel's next fix unless the vessel changes
    vessel_ends = pl.col("mmsi") != pl.col("mmsi").shift(-1)
    nxt = [
        pl.when(vessel_ends).then(None).otherwise(pl.col(c).shift(-1)).alias(f"{c}_next")
        for c in ("ts", "lat", "lon", "source", "line", "sog_kn")
        if c in tracks.columns
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
    gaps = _with_reach(_prior_reporting(gaps, tracks, params), params.min_reach_kn)
    reception = reception or part.reception or Reception.of(tracks)
    heard = silences(
        gaps,
        tracks,
        reception,
        params.reception_radius_km * 1000,
        params.rate_window_h,
        params.max_unheard_h,
        params.shore_slack_nm * NM_M,
        params.satellite_beyond_nm * NM_M,
    )
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
    class_b = _class_b(part.static)
    for k in range(gaps.height):
        gap = _Gap(heard, k, *rows.row(k))
        gap.shore0, gap.shore1, gap.moved = float(shore0[k]), float(shore1[k]), float(moved[k])
        gap.class_b = gap.mmsi in class_b
        _emit(gap, params, part.config, out)


def _with_reach(gaps: pl.DataFrame, min_reach_kn: float) -> pl.DataFrame:
    """`reach_m`: how far the vessel could have sailed in its gap, at the faster of the speeds it reported at
    the gap's ends and `min_reach_kn` (null where the gap is open). A ship that did not sail straight (reach
    well beyond the distance between the ends) may have been anywhere within it; one slow at both ends was
    not moored for hours at sea, it drifted and manoeuvred."""
    speeds = [c for c in ("sog_kn", "sog_kn_next") if c in gaps.columns]
    fastest = pl.max_horizontal(*speeds, pl.lit(min_reach_kn))
    hours = (pl.col("ts_next") - pl.col("ts")).cast(pl.Float64) / _US_PER_H
    return gaps.with_columns(pl.when(pl.col("open")).then(None).otherwise(fastest * NM_M * hours).alias("reach_m"))


def _class_b(static: pl.DataFrame) -> set[int]:
    """Vessels that declared themselves through class B reports (any of them: an MMSI shared by a class A
    and a class B transmitter is judged as the weaker one)."""
    if "msg_type" not in static.columns:
        return set()
    return set(static.filter(pl.col("msg_type").is_in(_CLASS_B_MESSAGES))["mmsi"].unique().to_list())


@dataclass
class _Gap:
    heard: Silences  # what the reception map says, for every gap of the partition
    k: int  # this gap's row in `heard`
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
    class_b: bool = False  # a class B transmitter (2 W, carrier-sense): satellites hear it far less regularly

    def of(self, name: str) -> float:
        return float(getattr(self.heard, name)[self.k])

    @property
    def hours(self) -> float:
        return (self.end - self.start) / _US_PER_H

    def reception(self, params: GapParams) -> GapReception:
        """Would the vessel have been heard? `heard`, or why not: the area was not being heard (a coverage
        hole), its own reporting before was too sparse to show a silence (GFW's rule, reference.md §1, §7), or
        others near it were heard too seldom (satellite collisions, reference.md §7) for a silence this long to
        be unlikely by chance."""
        if self.hours - self.of("dead_h") < params.min_gap_h:
            return GapReception.COVERAGE_HOLE
        if self.positions_before < params.min_positions_before:
            return GapReception.SPARSE_TRACK
        if self.of("chance") > self.max_chance(params):
            return GapReception.LIKELY_MISSED
        return GapReception.HEARD

    def max_chance(self, params: GapParams) -> float:
        """How unlikely the silence must be: far less for a class B set; less strictly for a gap of GFW's
        "intentional" length (>= 12 h) that spans enough heard hours to judge, since silences that long are
        where dark periods are found and honest satellite misses are rare (reference.md §1, §7). Long is the
        vessel's silence, not the receivers': the hours of it in a coverage hole do not count."""
        if self.class_b:
            return params.max_chance_class_b
        own_h = self.hours - self.of("dead_h")
        if own_h >= params.long_gap_h and self.of("heard_h") >= params.min_heard_h_long:
            return params.max_chance_long
        return params.max_chance

    def why_not(self, reception: GapReception, params: GapParams) -> str | None:
        if reception is GapReception.COVERAGE_HOLE:
            dead = self.of("dead_h")
            return (
                f"nobody near it was heard for {dead:.0f} h of it (a coverage hole), so the silence is not the vessel's"
            )
        if reception is GapReception.SPARSE_TRACK:
            return (
                f"its reporting before was too sparse to show a silence ({self.positions_before} fixes in the "
                f"{params.lookback_h:.0f} h before, fewer than {params.min_positions_before})"
            )
        if reception is GapReception.LIKELY_MISSED:
            return f"it may well have been missed by chance ({self._odds()})"
        return None

    def _odds(self) -> str:
        heard, share, audible, expected = (
            self.of("heard_h"),
            self.of("share"),
            self.of("audibility"),
            self.of("expected_h"),
        )
        was, could, chance, empty = self.of("was"), self.of("could"), self.of("chance"), self.of("empty_h")
        return (
            f"others near it were heard in {heard:.0f} h of it ({share:.0%} of those present on average); around the "
            f"gap, as far out at sea, it was heard in {was:.0f} of {could:.0f} hours others near it were "
            f"({audible:.2f} times as often as they were heard), so it would have been heard in {expected:.1f} h of "
            "them"
            + (f"; {empty:.0f} h of it with nobody else near, judged at its rate in every hour" if empty else "")
            + f": missing all {heard + empty:.0f} h by chance has a {chance:.2g} chance"
            + (
                " (a class B transmitter: heard far less regularly than class A, so it must be far less likely)"
                if self.class_b
                else ""
            )
        )


_CONTEXT_SCORE = {
    GapReception.COVERAGE_HOLE: 0.1,
    GapReception.SPARSE_TRACK: 0.2,
    GapReception.LIKELY_MISSED: 0.2,
}  # < 0.3: context, no alarm


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
    context = gap.why_not(reception, params)
    if context is not None:
        reason += "; context, not an alarm: " + context
    else:
        reason += f"; unlikely to be chance: {gap._odds()}"
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
            vessels_heard_nearby=int(gap.of("vessels")),
            reception=reception,
            unheard_h=round(gap.of("dead_h"), 1),
            reception_examined_h=round(gap.of("examined_h"), 1),
            longest_interval_before_h=None if gap.longest_before_h is None else round(gap.longest_before_h, 2),
            heard_h=gap.of("heard_h"),
            others_heard_share=round(gap.of("share"), 3),
            own_hit_rate=round(gap.of("rate"), 3),
            audibility=round(gap.of("audibility"), 3),
            expected_heard_h=round(gap.of("expected_h"), 2),
            chance_of_silence=float(f"{gap.of('chance'):.3g}"),
            class_b=gap.class_b,
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
