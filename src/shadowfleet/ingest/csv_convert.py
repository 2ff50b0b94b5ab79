"""CSV columns -> canonical rows, vectorised with Polars; every bad value names its field.

Two tiers. Clean blocks arrive already typed from Arrow's C++ CSV reader and only need range
checks. A block with any bad value is handled from text, which finds for each bad row the first
field at fault; that work is done for the bad rows alone.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pyarrow as pa

from shadowfleet.core.frames import plain_array
from shadowfleet.core.schema import ts_bounds_us
from shadowfleet.ingest.csv_layouts import STATIC_FIELDS, CsvLayout
from shadowfleet.ingest.nmea_lines import MIN_EPOCH_S
from shadowfleet.ingest.plausible import IMPLAUSIBLE_TIME, iso_time, null_implausible
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import Rows

NOT_AVAILABLE = ["na", "n/a", "nan", "null", "none", "unknown", "undefined", "not available"]
FLOATS = ("lat", "lon", "sog_kn", "cog_deg", "heading_deg", "length_m", "beam_m", "draught_m")
TEXTS = ("name", "callsign", "destination", "vessel_class")
TIMES = ("ts", "eta")
TIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%d/%m/%Y %H:%M:%S",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y%m%d%H%M%S",
)

# DMA and others write the navigational status and ship type as words (ITU-R M.1371 tables).
NAV_STATUS_WORDS = {
    "underwayusingengine": 0,
    "atanchor": 1,
    "notundercommand": 2,
    "restrictedmanoeuverability": 3,
    "restrictedmaneuverability": 3,
    "restrictedmanoeuvrability": 3,
    "constrainedbyherdraught": 4,
    "moored": 5,
    "aground": 6,
    "engagedinfishing": 7,
    "underwaysailing": 8,
    "reservedforhsc": 9,
    "reservedforwig": 10,
    "poweredvesseltowingastern": 11,
    "powerdrivenvesseltowingastern": 11,
    "poweredvesselpushingaheadortowingalongside": 12,
    "powerdrivenvesselpushingaheadortowingalongside": 12,
    "reservedforfutureamendmenthsc": 9,
    "reservedforfutureamendmentwig": 10,
    "reservedforfutureuse": 13,
    "aissart": 14,
    "unknownvalue": 15,
    "unknown": 15,
    "undefined": 15,
}
# A word names a category, stored as the category's first code.
SHIP_TYPE_WORDS = {
    "wig": 20,
    "fishing": 30,
    "towing": 31,
    "towinglongwide": 32,
    "dredging": 33,
    "diving": 34,
    "military": 35,
    "sailing": 36,
    "pleasure": 37,
    "hsc": 40,
    "pilot": 50,
    "sar": 51,
    "tug": 52,
    "porttender": 53,
    "antipollution": 54,
    "lawenforcement": 55,
    "medical": 58,
    "notpartytoconflict": 59,
    "passenger": 60,
    "cargo": 70,
    "tanker": 80,
    "other": 90,
    "reserved": 0,
    "spare": 0,
    "undefined": 0,
    "unknown": 0,
}
NOT_VESSELS = [
    "base station",
    "aton",
    "sar airborne",
    "search and rescue transponder",
    "man overboard device",
]


def arrow_types(layout: CsvLayout) -> dict[str, pa.DataType]:
    """Input column -> the Arrow type the fast tier asks the CSV reader for."""
    types: dict[str, pa.DataType] = {}
    for canonical, header in layout.columns.items():
        if canonical == "mmsi":
            types[header] = pa.int64()
        elif canonical in TIMES:
            types[header] = pa.timestamp("us", tz="UTC") if _zoned(layout.time_format) else pa.timestamp("us")
        elif canonical in FLOATS or (canonical in ("nav_status", "ship_type") and layout.name != "dma"):
            types[header] = pa.float64()
        else:
            types[header] = pa.string()
    return types


def _zoned(fmt: str | None) -> bool:
    return fmt is not None and (fmt.endswith("Z") or fmt.endswith("%z"))


def _blank_to_null(name: str) -> pl.Expr:
    text = pl.col(name).str.strip_chars()
    return pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)


def _word_codes(expr: pl.Expr, table: dict[str, int]) -> pl.Expr:
    key = expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")
    return pl.coalesce(
        expr.cast(pl.Float64, strict=False), key.replace_strict(table, default=None, return_dtype=pl.Float64)
    )


class CsvConverter:
    """Converts blocks of one CSV file; remembers each vessel's last static identity across blocks."""

    def __init__(self, layout: CsvLayout, source: str) -> None:
        self.layout, self.source = layout, source
        self.fields = list(layout.columns)
        self.last_static: pl.DataFrame | None = None
        self.ts_bounds = ts_bounds_us()

    # --- the two tiers ---------------------------------------------------------------------------

    def typed(self, frame: pl.DataFrame) -> pl.DataFrame | None:
        """Fast tier: columns already typed by Arrow; None if any row breaks a rule (use `text`)."""
        exprs = [pl.col("line")]
        for f in self.fields:
            col = pl.col(f)
            if f in TIMES:
                exprs.append(col.dt.replace_time_zone(None).dt.epoch("us").alias(f))
            elif f == "nav_status":
                exprs.append(_word_codes(col, NAV_STATUS_WORDS) if self.layout.name == "dma" else col)
            elif f == "ship_type":
                exprs.append(_word_codes(col, SHIP_TYPE_WORDS) if self.layout.name == "dma" else col)
            elif f == "imo":
                exprs.append(_imo(col))
            else:
                exprs.append(col)
        typed = frame.select(exprs)
        broken = typed.select(pl.any_horizontal(self._rule_breaks(typed)).any()).item()
        if broken or self._unknown_words(typed, frame):
            return None
        return typed

    def text(self, text: pl.DataFrame, rejects: Rejects, raw_line: Callable[[int], bytes]) -> pl.DataFrame:
        """Exact tier: parse from text; each bad row is rejected naming the first field at fault."""
        exprs: list[pl.Expr] = [pl.col("line")]
        for f in self.fields:
            raw = _blank_to_null(f)
            if f == "mmsi":
                exprs.append(raw.cast(pl.Int64, strict=False).alias(f))
            elif f in TIMES:
                exprs.append(_time_from_text(raw, self.layout.time_format).alias(f))
            elif f in FLOATS:
                exprs.append(raw.cast(pl.Float64, strict=False).alias(f))
            elif f == "nav_status":
                exprs.append(_word_codes(raw, NAV_STATUS_WORDS).alias(f))
            elif f == "ship_type":
                exprs.append(_word_codes(raw, SHIP_TYPE_WORDS).alias(f))
            elif f == "imo":
                exprs.append(_imo(raw).alias(f))
            else:
                exprs.append(raw.alias(f))
        typed = text.select(exprs)
        failed = {f: self._failed(f, text, typed) for f in self.fields if f not in TEXTS}
        bad = typed.select(pl.any_horizontal([*failed.values(), *self._rule_breaks(typed)])).to_series()
        if bad.any():
            self._reject(text.filter(bad), typed.filter(bad), rejects, raw_line)
        return typed.filter(~bad)

    def rows(self, typed: pl.DataFrame, rejects: Rejects, raw_line: Callable[[int], bytes]) -> tuple[Rows, Rows]:
        positions = self._positions(typed)
        has_static = self.layout.has_static
        static = self._static(typed, rejects, raw_line) if has_static else Rows({}, np.zeros(0, np.int64))
        return positions, static

    # --- rules -----------------------------------------------------------------------------------

    def _failed(self, f: str, text: pl.DataFrame, typed: pl.DataFrame) -> pl.Series:
        raw = text.select(_blank_to_null(f)).to_series()
        failed = raw.is_not_null() & typed[f].is_null()
        if f not in ("mmsi", "ts", "lat", "lon"):
            failed = failed & ~raw.str.to_lowercase().is_in(NOT_AVAILABLE)
        return failed

    def _rule_breaks(self, typed: pl.DataFrame) -> list[pl.Expr]:
        rules = [
            pl.col("mmsi").is_null(),
            pl.col("ts").is_null(),
            pl.col("mmsi") <= 0,
            ~pl.col("ts").is_between(*self.ts_bounds),
            (pl.col("lat").abs() > 90) & (pl.col("lat") != 91),
            (pl.col("lon").abs() > 180) & (pl.col("lon") != 181),
        ]
        if "vessel_class" in typed.columns:
            rules.append(pl.col("vessel_class").str.to_lowercase().is_in(NOT_VESSELS))
        return [r.fill_null(False) for r in rules]

    def _unknown_words(self, typed: pl.DataFrame, frame: pl.DataFrame) -> bool:
        """A status or type word we do not know is a bad value: the text tier will name it."""
        for f in ("nav_status", "ship_type"):
            if f in self.fields and frame[f].dtype == pl.String:
                unknown = frame[f].is_not_null() & (frame[f] != "") & typed[f].is_null()
                if unknown.any():
                    return True
        return False

    def _reject(
        self, text: pl.DataFrame, typed: pl.DataFrame, rejects: Rejects, raw_line: Callable[[int], bytes]
    ) -> None:
        header = self.layout.columns
        for raw_row, row in zip(text.iter_rows(named=True), typed.iter_rows(named=True), strict=True):
            reason, detail = "bad_field", ""
            for f in ("mmsi", "ts"):
                if not (raw_row[f] or "").strip():
                    detail = f"field {header[f]!r} ({f}) is empty"
            for f in self.fields:
                value = (raw_row[f] or "").strip()
                if detail or f in TEXTS or not value or row[f] is not None:
                    continue
                if f in ("mmsi", "ts", "lat", "lon") or value.lower() not in NOT_AVAILABLE:
                    detail = f"field {header[f]!r} ({f}): {value!r} is not {_kind(f)}"
            if not detail:
                reason, detail = _rule_detail(row, self.ts_bounds)
            rejects.add(int(row["line"]), reason, detail, raw_line(int(row["line"])))

    # --- canonical tables ------------------------------------------------------------------------

    def _positions(self, good: pl.DataFrame) -> Rows:
        def col(name: str) -> pl.Expr:
            return pl.col(name) if name in good.columns else pl.lit(None, pl.Float64)

        out = good.select(
            pl.col("mmsi"),
            pl.col("ts"),
            pl.when(col("lat") == 91).then(None).otherwise(col("lat")).alias("lat"),
            pl.when(col("lon") == 181).then(None).otherwise(col("lon")).alias("lon"),
            pl.when((col("sog_kn") >= 102.25) | (col("sog_kn") < 0))
            .then(None)
            .otherwise(col("sog_kn"))
            .cast(pl.Float32)
            .alias("sog_kn"),
            pl.when((col("cog_deg") >= 360) | (col("cog_deg") < 0))
            .then(None)
            .otherwise(col("cog_deg"))
            .cast(pl.Float32)
            .alias("cog_deg"),
            pl.when((col("heading_deg") > 359) | (col("heading_deg") < 0))
            .then(None)
            .otherwise(col("heading_deg"))
            .cast(pl.Float32)
            .alias("heading_deg"),
            pl.when(col("nav_status").is_between(0, 15))
            .then(col("nav_status"))
            .otherwise(None)
            .cast(pl.Int8)
            .alias("nav_status"),
            pl.lit(None, pl.Int8).alias("msg_type"),
            pl.lit(self.source).alias("source"),
            pl.lit(None, pl.String).alias("station"),
            pl.col("line"),
        )
        return _rows(out, np.ones(out.height, np.int64))

    def _static(self, good: pl.DataFrame, rejects: Rejects, raw_line: Callable[[int], bytes]) -> Rows:
        """One static row per vessel each time its declared identity changes (the first time included).

        Implausible dimensions and draughts (NaN, inf, 1e308, negative, beyond `STATIC_RANGES`)
        become null, noted with the raw line; 0 is AIS 'not available'."""
        present = [f for f in STATIC_FIELDS if f in good.columns]

        def col(name: str, dtype: pl.DataType) -> pl.Expr:
            return (pl.col(name) if name in present else pl.lit(None)).cast(dtype)

        frame = good.select(
            "mmsi",
            "ts",
            pl.when(col("imo", pl.Int64()) > 0).then(col("imo", pl.Int64())).alias("imo"),
            col("name", pl.String()).alias("name"),
            col("callsign", pl.String()).alias("callsign"),
            pl.when(col("ship_type", pl.Float64()).is_between(1, 255))
            .then(col("ship_type", pl.Float64()))
            .cast(pl.Int16)
            .alias("ship_type"),
            *(
                pl.when(col(f, pl.Float64()) != 0).then(col(f, pl.Float64())).alias(f)
                for f in ("length_m", "beam_m", "draught_m")
            ),
            col("destination", pl.String()).alias("destination"),
            col("eta", pl.Int64()).alias("eta"),
            _static_msg_type(good),
            "line",
        )
        frame = null_implausible(frame, rejects, raw_line=raw_line)
        frame = frame.with_columns(pl.col(f).cast(pl.Float32) for f in ("length_m", "beam_m", "draught_m")).filter(
            pl.any_horizontal(pl.col(f).is_not_null() for f in STATIC_FIELDS)
        )
        if self.last_static is not None:
            frame = pl.concat([self.last_static, frame])
        # one hash per identity, compared with the vessel's previous row in time order
        frame = frame.with_columns(pl.struct(STATIC_FIELDS).hash().alias("identity")).sort("mmsi", "ts", "line")
        first = pl.col("mmsi") != pl.col("mmsi").shift(1)
        changed = (first | (pl.col("identity") != pl.col("identity").shift(1))).fill_null(True)
        keep = frame.filter(changed & (pl.col("line") >= 0)).drop("identity")
        self.last_static = (
            frame.group_by("mmsi")
            .last()
            .drop("identity")
            .with_columns(pl.lit(-1, pl.Int64).alias("line"))
            .select(frame.drop("identity").columns)
        )
        out = keep.with_columns(
            pl.lit(self.source).alias("source"),
            pl.lit(None, pl.String).alias("station"),
        )
        # derived from rows already counted through their positions: no records of their own
        return _rows(out, np.zeros(out.height, np.int64))


def _static_msg_type(good: pl.DataFrame) -> pl.Expr:
    """The message a decoded row's identity came from, where the file names the transceiver class (NOAA
    `TransceiverClass` A/B, DMA `Type of mobile` Class A/B): 5 for class A, 24 for class B (ITU-R M.1371),
    so that detectors know a class B transmitter (2 W, heard far less by satellites) from either input."""
    if "vessel_class" not in good.columns:
        return pl.lit(None, pl.Int8).alias("msg_type")
    cls = pl.col("vessel_class").str.strip_chars().str.to_lowercase().str.replace(r"^class\s+", "")
    return pl.when(cls == "a").then(5).when(cls == "b").then(24).otherwise(None).cast(pl.Int8).alias("msg_type")


def _imo(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(r"^(?i)imo\s*", "").cast(pl.Int64, strict=False)


def _kind(f: str) -> str:
    return (
        "a time"
        if f in TIMES
        else "a known status"
        if f == "nav_status"
        else ("a known ship type" if f == "ship_type" else "a number")
    )


def _rule_detail(row: dict[str, object], ts_bounds: tuple[int, int]) -> tuple[str, str]:
    vessel_class = str(row.get("vessel_class") or "")
    if vessel_class.lower() in NOT_VESSELS:
        return "not_a_vessel", f"not a vessel: {vessel_class}"
    mmsi, ts = row["mmsi"], row["ts"]
    if isinstance(mmsi, int) and mmsi <= 0:
        return "bad_field", f"mmsi {mmsi} is not positive"
    if isinstance(ts, int) and not ts_bounds[0] <= ts <= ts_bounds[1]:
        return IMPLAUSIBLE_TIME, f"time {iso_time(ts)} is outside the AIS era (1990-01-01 to a day after the ingest)"
    return "out_of_range", f"position outside the globe: lat {row['lat']}, lon {row['lon']}"


def pick_time_format(samples: list[str]) -> str | None:
    """The known format that parses most samples (a bad first row must not decide); None if none does."""
    series = pl.Series([s.strip() for s in samples if s.strip()][:20], dtype=pl.String)
    best, best_count = None, 0
    for fmt in TIME_FORMATS:
        count = series.len() - series.str.to_datetime(fmt, strict=False, time_unit="us").null_count()
        if count > best_count:
            best, best_count = fmt, count
    return best


MAX_EPOCH_S = 4.1e9  # 2099: a larger number in a time column is not a unix time


def _time_from_text(raw: pl.Expr, fmt: str | None) -> pl.Expr:
    """µs since 1970 from text: the file's format, else unix seconds or milliseconds."""
    epoch = raw.cast(pl.Float64, strict=False)
    seconds = pl.when(epoch > 1e11).then(epoch / 1e3).otherwise(epoch)
    # NaN and inf compare above every bound in Polars: test finiteness first
    plausible = seconds.is_finite() & (seconds >= MIN_EPOCH_S) & (seconds < MAX_EPOCH_S)
    epoch_us = pl.when(plausible).then(seconds * 1e6).cast(pl.Int64, strict=False)
    if fmt is None:
        return epoch_us
    parsed = raw.str.to_datetime(fmt, strict=False, time_unit="us")
    if _zoned(fmt):
        parsed = parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return pl.coalesce(parsed.dt.epoch("us"), epoch_us)


def _rows(frame: pl.DataFrame, weight: np.ndarray) -> Rows:
    table = frame.to_arrow()
    return Rows({name: plain_array(table.column(name)) for name in table.column_names}, weight)
