"""Identity fraud: malformed MMSIs and IMOs, unallocated flags, changing names (invalid_identity), and
one MMSI transmitting from two places at once (identity_clash, after GFW's gpsdio-segment: two physically
consistent tracks whose reports interleave in time; a run inside the main track's silence is an excursion)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from shadowfleet.core.events import (
    EventType,
    IdentityCheck,
    IdentityClashDetails,
    InvalidIdentityDetails,
    TrackExtent,
)
from shadowfleet.core.geo import NM_M, haversine_m
from shadowfleet.core.identifiers import imo_valid, mmsi_kind, mmsi_problem, non_ship_problem, uscg_official_number
from shadowfleet.detect.events import EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000


@dataclass(frozen=True)
class InvalidIdentityParams(Params):
    min_positions: int  # a non-ship MMSI format counts only on this many position reports...
    min_span_h: float  # ... over at least this long
    renamed_after_days: float  # identities that changed only this long apart: re-registration, context


@dataclass(frozen=True)
class ClashParams(Params):
    max_speed_kn: float
    max_gap_h: float
    min_segment_positions: int
    noise_m: float
    min_apart_km: float
    min_overlap_h: float
    min_switches: int


def detect_invalid_identity(part: Partition, params: InvalidIdentityParams, out: EventBuilder) -> None:
    tracks, static, version = part.tracks, part.static, params.version
    firsts = tracks.group_by("mmsi").agg(
        pl.all().first(), pl.col("ts").last().alias("ts_last"), pl.len().alias("fixes")
    )
    for mmsi, ts, ts_last, lat, lon, source, line, fixes in firsts.select(
        "mmsi", "ts", "ts_last", "lat", "lon", "source", "line", "fixes"
    ).iter_rows():
        found = _mmsi_finding(mmsi, fixes, (ts_last - ts) / _US_PER_H, params)
        if found is not None:
            reason, details = found
            out.add(
                details,
                mmsi,
                ts,
                ts_last,
                lat=lat,
                lon=lon,
                score=0.5,
                reason=reason,
                refs=[(source, line)],
                version=version,
            )
    if static.height:
        _imo_checks(static, version, out)
        clashing = {int(r["mmsi"]) for r in part.events_of(EventType.IDENTITY_CLASH)}
        _identity_changes(static, params, clashing, out)


def _mmsi_finding(
    mmsi: int, fixes: int, hours: float, params: InvalidIdentityParams
) -> tuple[str, InvalidIdentityDetails] | None:
    """Why a vessel's MMSI is no ship station's: malformed, an unallocated MID, or another station's format
    (ITU-R M.585, reference.md §7). A well-formed non-ship number counts only on ship-like reporting: position
    reports over a while, not a short burst (a SART or MOB device being tested)."""
    malformed = mmsi_problem(mmsi)
    other = non_ship_problem(mmsi)
    ship_like = fixes >= params.min_positions and hours >= params.min_span_h
    if malformed is None and (other is None or not ship_like):
        return None
    fmt = mmsi_kind(mmsi).format
    reason = "; ".join(r for r in (malformed, None if other is None else other[1]) if r)
    if other is not None and ship_like:
        reason += f", yet it sends ship position reports ({fixes} over {hours:.1f} h)"
    check = IdentityCheck.MMSI if malformed is not None else IdentityCheck.MMSI_FORMAT
    return reason, InvalidIdentityDetails(check=check, mmsi_format=fmt.value, positions=fixes)


def _imo_checks(static: pl.DataFrame, version: str, out: EventBuilder) -> None:
    rows = (
        static.filter(pl.col("imo").is_not_null())
        .group_by("mmsi", "imo")
        .agg(
            pl.col("ts").min().alias("first"),
            pl.col("ts").max().alias("last"),
            pl.col("source").first(),
            pl.col("line").first(),
        )
    )
    for mmsi, imo, first, last, source, line in rows.iter_rows():
        if imo_valid(imo):
            continue
        padded = imo >= 100_000_000 and imo % 100 == 0 and imo_valid(imo // 100)
        # a value that is not 7 digits is no attempt at an IMO number: real MarineCadastre reports carry 526,
        # 801801 or 101259957 (a national register's number or a placeholder); a 7-digit one that fails is
        # the advisories' red flag ("IMO one digit off", reference.md §3) and stays an alarm
        not_an_imo = not padded and not 1_000_000 <= imo <= 9_999_999
        # a US vessel's Coast Guard number in the IMO field: its own documentation number, openly typed
        # (real MarineCadastre: 55 US vessels), not a forged IMO, which would be made to pass the check
        uscg = uscg_official_number(imo, mmsi)
        reason = f"IMO {imo} broadcast by MMSI {mmsi} fails the IMO check digit"
        if uscg:
            reason += (
                "; context, not an alarm: a US vessel's field holding a US Coast Guard official number "
                "(7 digits, 1.0-2.0 M), its documentation number typed where the IMO belongs"
            )
        if not_an_imo:
            reason += (
                f"; context, not an alarm: {len(str(imo))} digits is not an IMO number (another register's or a "
                "placeholder)"
            )
        if padded:
            # real DMA data: 900327500, 925190100, 915847200 are IMO 9003275, 9251901, 9158472 with "00" typed
            # after them when the transponder was set up (pyais decodes the same values: not our decoder)
            reason += (
                f"; context, not an alarm: it is IMO {imo // 100} (valid check digit) with two zeros appended, a "
                "transponder set-up slip"
            )
        out.add(
            InvalidIdentityDetails(check=IdentityCheck.IMO, imo=imo),
            mmsi,
            first,
            last,
            lat=None,
            lon=None,
            score=0.2 if padded or not_an_imo or uscg else 0.6,
            reason=reason,
            refs=[(source, line)],
            version=version,
        )


def _identity_changes(
    static: pl.DataFrame, params: InvalidIdentityParams, clashing: set[int], out: EventBuilder
) -> None:
    """Names, call signs or IMO numbers that change under one MMSI: identity laundering evidence. Under an
    MMSI caught transmitting from two places at once (identity_clash), identities flipping back and forth
    between two values are the two ships' own: the clash is the finding, and this is its context. Changes only
    years apart are a ship renamed on a sale or an MMSI reassigned to another ship: context too."""
    version = params.version
    for (mmsi,), rows in static.sort("ts").group_by("mmsi", maintain_order=True):
        changes = {f: _sequence(rows[f].to_list()) for f in ("name", "callsign", "imo")}
        changed = {f: seq for f, seq in changes.items() if len(seq) > 1}
        if not changed:
            continue
        what = "; ".join(f"{f} {_chain(seq)}" for f, seq in changed.items())
        shared = int(mmsi) in clashing and all(len(set(map(str, seq))) == 2 for seq in changed.values())
        slip = "imo" not in changed and all(_one_slip(seq) for seq in changed.values())
        apart = _shortest_change_days(rows)
        years = apart >= params.renamed_after_days
        score = 0.2 if shared or slip or years else min(0.4 + 0.1 * sum(len(s) - 1 for s in changed.values()), 0.9)
        context = _TWO_SHIPS if shared else _SLIP if slip else _years(apart) if years else ""
        refs = list(zip(rows["source"].to_list(), rows["line"].to_list(), strict=True))[:200]
        out.add(
            InvalidIdentityDetails(
                check=IdentityCheck.IDENTITY_CHANGE,
                name=_texts(changed.get("name")),
                callsign=_texts(changed.get("callsign")),
                imos=None if "imo" not in changed else tuple(int(str(v)) for v in changed["imo"]),
            ),
            int(mmsi),
            int(rows["ts"][0]),
            int(rows["ts"][-1]),
            lat=None,
            lon=None,
            score=score,
            reason=f"MMSI {mmsi} changed identity: {what}{context}",
            refs=refs,
            version=version,
        )


def _shortest_change_days(rows: pl.DataFrame) -> float:
    """Days between the closest two declarations of different identities (rows sorted by time)."""
    fields = [pl.col(f).cast(pl.String).fill_null("") for f in ("name", "callsign", "imo")]
    key = rows.select(pl.concat_str(fields, separator="|").alias("key"), "ts")
    changed = key.filter((pl.col("key") != pl.col("key").shift(1)).fill_null(True)).with_columns(
        (pl.col("ts") - pl.col("ts").shift(1)).alias("apart")
    )
    apart = changed["apart"].drop_nulls()
    return float(apart.min()) / 86_400e6 if len(apart) else 0.0  # type: ignore[arg-type]


def _years(days: float) -> str:
    return (
        f"; context, not an alarm: each change came {days / 365.25:.1f} years or more after the one before "
        "(a ship renamed on a sale, or an MMSI reassigned to another ship), not identities swapped at sea"
    )


_TWO_SHIPS = (
    "; context, not an alarm: the two identities alternate with the two transmitters of this MMSI's "
    "identity_clash (one MMSI, two ships: GFW's shared-MMSI rule, reference.md §1)"
)


_SLIP = (
    "; context, not an alarm: the values differ by one typed character (real MarineCadastre: call sign "
    "WDM3715 -> WMD3715), a typing slip corrected, not a new identity"
)


def _one_slip(seq: list[object]) -> bool:
    """Two values only, one typed character apart: one inserted, dropped or replaced, or two neighbours
    swapped."""
    values = list(dict.fromkeys(map(str, seq)))
    if len(values) != 2:
        return False
    a, b = sorted(values, key=len)
    if len(b) - len(a) > 1:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        return len(diff) == 1 or swapped
    return any(b[:k] + b[k + 1 :] == a for k in range(len(b)))


def _chain(seq: list[object]) -> str:
    """A -> B -> A ..., shortened when a shared MMSI flips between two names all day."""
    shown = " -> ".join(map(str, seq[:6]))
    return shown if len(seq) <= 6 else f"{shown} -> ... ({len(seq) - 1} changes, {len(set(map(str, seq)))} values)"


def _texts(values: list[object] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(str(v) for v in values)


def _sequence(values: list[object]) -> list[object]:
    """Distinct non-null values in the order they first appear after a change (A, B, A counts twice)."""
    out: list[object] = []
    for v in values:
        if v is not None and (not out or out[-1] != v):
            out.append(v)
    return out


@dataclass
class _Segment:
    positions: list[int] = field(default_factory=list)

    def last(self) -> int:
        return self.positions[-1]


def detect_identity_clash(part: Partition, params: ClashParams, out: EventBuilder) -> None:
    tracks = part.tracks
    max_kn, max_gap, noise = params.max_speed_kn, params.max_gap_h * _US_PER_H, params.noise_m
    lat, lon, ts = tracks["lat"].to_numpy(), tracks["lon"].to_numpy(), tracks["ts"].to_numpy()
    mmsi = tracks["mmsi"].to_numpy()
    metres, knots = part.moves()
    # only an MMSI with an impossible step beyond the noise distance can hold two transmitters
    suspects = np.unique(mmsi[(knots > max_kn) & (metres > noise)])
    starts = np.searchsorted(mmsi, suspects, side="left")
    ends = np.searchsorted(mmsi, suspects, side="right")
    for vessel, a, b in zip(suspects.tolist(), starts.tolist(), ends.tolist(), strict=True):
        segments = _segment(lat[a:b], lon[a:b], ts[a:b], max_kn, max_gap, noise)
        _clash_events(tracks[a:b], vessel, segments, params, out)


def _segment(
    lat: np.ndarray, lon: np.ndarray, ts: np.ndarray, max_kn: float, max_gap: float, noise_m: float
) -> list[_Segment]:
    """Split one MMSI's fixes into physically possible tracks: each fix joins the track it can reach
    at the lowest speed, or starts a new one."""
    segments: list[_Segment] = []
    for i in range(len(ts)):
        best, best_speed = None, max_kn
        for seg in segments:
            j = seg.last()
            dt = ts[i] - ts[j]
            if dt > max_gap:
                continue
            metres = float(haversine_m(lat[j], lon[j], lat[i], lon[i]))
            speed = 0.0 if metres <= noise_m else metres / NM_M / (max(dt, 1_000_000) / _US_PER_H)
            if speed <= best_speed:
                best, best_speed = seg, speed
        if best is None:
            best = _Segment()
            segments.append(best)
        best.positions.append(i)
    return segments


@dataclass(frozen=True)
class _Interleave:
    """Where two tracks of one MMSI are both active: the span between the first fix of either inside the
    other's time extent and the last, and how often the reports switch from one track to the other there."""

    start: int
    end: int
    switches: int  # impossible switches from one track to the other
    first_fixes: np.ndarray  # fixes of each track inside the span
    second_fixes: np.ndarray


def _interleave(
    rows: tuple[np.ndarray, np.ndarray, np.ndarray], first: list[int], second: list[int], params: ClashParams
) -> _Interleave | None:
    """Counts only impossible switches (one report here, the next there, faster than a ship): a fix that
    either track could have reached proves nothing, and a mis-assigned one would fake an interleaving."""
    ts, lat, lon = rows
    a, b = np.asarray(first), np.asarray(second)
    a_in = a[(ts[a] >= ts[b[0]]) & (ts[a] <= ts[b[-1]])]
    b_in = b[(ts[b] >= ts[a[0]]) & (ts[b] <= ts[a[-1]])]
    if not len(a_in) or not len(b_in):
        return None  # one inside the other's silence, or one after the other: an excursion or a jump
    start = int(min(ts[a_in[0]], ts[b_in[0]]))
    end = int(max(ts[a_in[-1]], ts[b_in[-1]]))
    order = np.sort(np.concatenate([a_in, b_in]))  # row order is time order
    label = np.isin(order, b_in)
    at = np.flatnonzero(label[1:] != label[:-1])
    i, j = order[at], order[at + 1]
    metres = haversine_m(lat[i], lon[i], lat[j], lon[j])
    knots = metres / NM_M / (np.maximum(ts[j] - ts[i], 1_000_000) / _US_PER_H)
    switches = int(np.count_nonzero((knots > params.max_speed_kn) & (metres > params.noise_m)))
    return _Interleave(start, end, switches, a_in, b_in)


def _extent(ts: np.ndarray, lat: np.ndarray, lon: np.ndarray, fixes: list[int]) -> TrackExtent:
    at = np.asarray(fixes)
    return TrackExtent(
        fixes=len(fixes),
        start_us=int(ts[at[0]]),
        end_us=int(ts[at[-1]]),
        lat_min=round(float(lat[at].min()), 4),
        lat_max=round(float(lat[at].max()), 4),
        lon_min=round(float(lon[at].min()), 4),
        lon_max=round(float(lon[at].max()), 4),
    )


def _clash_events(
    rows: pl.DataFrame, vessel: int, segments: list[_Segment], params: ClashParams, out: EventBuilder
) -> None:
    """Two physically consistent tracks of one MMSI whose reports interleave in time (GFW's shared-MMSI rule,
    reference.md §7). A run of fixes inside the main track's silence interleaves with nothing: that is an
    excursion for position_jump, not a second transmitter."""
    minimum = params.min_segment_positions
    real = sorted((s for s in segments if len(s.positions) >= minimum), key=lambda s: -len(s.positions))
    if len(real) < 2:
        return
    ts, lat, lon = rows["ts"].to_numpy(), rows["lat"].to_numpy(), rows["lon"].to_numpy()
    first = real[0].positions
    found = [(_interleave((ts, lat, lon), first, s.positions, params), s.positions) for s in real[1:]]
    both = [(o, s) for o, s in found if o is not None and o.switches >= params.min_switches]
    if not both:
        return
    overlap, second = max(both, key=lambda pair: pair[0].end - pair[0].start)
    nearest = overlap.second_fixes[
        np.abs(ts[overlap.second_fixes][None, :] - ts[overlap.first_fixes][:, None]).argmin(axis=1)
    ]
    a = overlap.first_fixes
    apart = float(np.median(haversine_m(lat[a], lon[a], lat[nearest], lon[nearest])))
    hours = (overlap.end - overlap.start) / _US_PER_H
    if apart < params.min_apart_km * 1000 or hours < params.min_overlap_h:
        return
    score = 0.6 + 0.2 * (hours >= 1) + 0.2 * (apart >= 100_000)
    sources, lines = rows["source"].to_list(), rows["line"].to_list()
    refs = [(sources[k], lines[k]) for k in sorted([*first, *second])[:400]]
    out.add(
        IdentityClashDetails(
            tracks=len(real),
            fixes=(len(first), len(second)),
            overlap_h=round(hours, 2),
            extents=(_extent(ts, lat, lon, first), _extent(ts, lat, lon, second)),
            switches=overlap.switches,
        ),
        vessel,
        overlap.start,
        overlap.end,
        lat=float(lat[first[0]]),
        lon=float(lon[first[0]]),
        score=score,
        distance_m=apart,
        refs=refs,
        version=params.version,
        reason=(
            f"MMSI {vessel} transmits from two places at once: two tracks a median {apart / NM_M:.0f} nm apart "
            f"interleave for {hours:.1f} h ({overlap.switches} switches between them; {len(first)} and "
            f"{len(second)} fixes)"
        ),
    )


DETECTORS = (
    Detector(
        EventType.INVALID_IDENTITY,
        InvalidIdentityParams,
        detect_invalid_identity,
        needs=(EventType.IDENTITY_CLASH,),
    ),
    Detector(EventType.IDENTITY_CLASH, ClashParams, detect_identity_clash),
)
