"""Whole AIS messages -> canonical `positions` and `static` rows, vectorised per message type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from shadowfleet.core.schema import ts_bounds_us
from shadowfleet.ingest.ais_bits import Payloads
from shadowfleet.ingest.ais_layouts import (
    DECODED_TYPES,
    LONG_RANGE,
    PART_NUMBER,
    POSITION_A,
    POSITION_B,
    POSITION_B_EXTENDED,
    STATIC_24A,
    STATIC_24B,
    STATIC_VOYAGE,
    TYPE_NAMES,
    Columns,
    Layout,
    decode_layout,
)
from shadowfleet.ingest.nmea_lines import LineBlock
from shadowfleet.ingest.plausible import IMPLAUSIBLE_TIME
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import Rows, concat_rows, eta_from_parts

# Two receptions of the same payload this close in time are one transmission heard twice
# (a position report repeats its UTC second only after a full minute).
DUPLICATE_WINDOW_US = 30_000_000
# Parts A and B of a type-24 report are joined when they come this close together.
PART_AB_WINDOW_US = 300_000_000

_LAT_NA, _LON_NA = 91 * 600_000, 181 * 600_000
_LAT_NA_27, _LON_NA_27 = 91 * 600, 181 * 600


@dataclass
class Decoded:
    positions: Rows
    static: Rows
    duplicates: int


class PayloadWindow:
    """Drops the same payload heard again within DUPLICATE_WINDOW_US (several stations, one message).

    Payloads are compared by 64-bit hash. The most recent `memory` payloads are remembered across
    blocks, so copies are found however the input was cut (8 MB file blocks or small network reads)
    while memory stays bounded.
    """

    memory = 100_000

    def __init__(self) -> None:
        self.previous = pl.DataFrame(schema={"h": pl.UInt64, "ts": pl.Int64, "k": pl.Int64})

    def unique_mask(self, payload: pl.Series, ts: pl.Series) -> np.ndarray:
        current = pl.DataFrame({"h": payload.hash(seed=7), "ts": ts, "k": pl.int_range(0, len(ts), eager=True)})
        both = pl.concat([self.previous.with_columns(pl.lit(-1, pl.Int64).alias("k")), current]).sort("h", "ts")
        repeat = (pl.col("h") == pl.col("h").shift(1)) & (pl.col("ts") - pl.col("ts").shift(1) <= DUPLICATE_WINDOW_US)
        marked = both.with_columns(repeat.fill_null(False).alias("dup")).filter(pl.col("k") >= 0).sort("k")
        self.previous = pl.concat([self.previous, current]).tail(self.memory)
        return ~marked["dup"].to_numpy()


class MessageDecoder:
    """Decodes the messages of one input, block after block, dropping repeated receptions."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.window = PayloadWindow()

    def decode(self, msgs: pl.DataFrame, block: LineBlock, rejects: Rejects) -> Decoded:
        block.reject(
            msgs.filter(pl.col("ts").is_null()).rename({"n_lines": "records"}),
            rejects,
            "no_timestamp",
            "no time of reception: no tag block, log prefix or suffix, and no --start",
        )
        lo, hi = ts_bounds_us()
        era = pl.col("ts").is_between(lo, hi)
        block.reject(
            msgs.filter(pl.col("ts").is_not_null() & ~era).rename({"n_lines": "records"}),
            rejects,
            IMPLAUSIBLE_TIME,
            pl.format("time {} µs since 1970 is outside the AIS era (1990 to a day after the ingest)", pl.col("ts")),
        )
        timed = msgs.filter(pl.col("ts").is_not_null() & era)
        unique = self.window.unique_mask(timed["payload"], timed["ts"])
        duplicates = int(timed["n_lines"].to_numpy()[~unique].sum())
        positions, static = decode_messages(timed.filter(pl.Series(unique)), self.source, rejects, block)
        return Decoded(positions, static, duplicates)


def decode_messages(msgs: pl.DataFrame, source: str, rejects: Rejects, block: LineBlock) -> tuple[Rows, Rows]:
    """Positions and static rows of timed messages; the rest rejected with reasons."""
    batch = _Batch(source, msgs, block)
    return batch.positions(rejects), batch.static(rejects)


class _Batch:
    """One decode pass over the timed, unique messages of a block."""

    def __init__(self, source: str, msgs: pl.DataFrame, block: LineBlock) -> None:
        self.source, self.msgs, self.block = source, msgs, block
        self.payloads = Payloads(msgs["payload"], msgs["fill"].to_numpy())
        self.ts = msgs["ts"].to_numpy()
        self.weight = msgs["n_lines"].to_numpy()
        self.lines = msgs["line"].to_numpy()
        self.stations = msgs["station"]
        self.raws = msgs["raw"]
        self.types = self.payloads.types
        self.usable = ~self.payloads.bad_symbol & (self.types >= 0)
        self.unusable = Rejects()
        self._reject_unusable()

    def _reject_unusable(self) -> None:
        for k in np.flatnonzero(self.payloads.bad_symbol):
            self.unusable.add(
                int(self.lines[k]),
                "bad_payload",
                "payload has characters outside the AIS six-bit alphabet",
                self._raw(int(k)),
                records=int(self.weight[k]),
            )
        other = np.flatnonzero(self.usable & ~np.isin(self.types, list(DECODED_TYPES)))
        if len(other):
            rows = (
                self.msgs[other]
                .select("line", "raw", pl.col("n_lines").alias("records"))
                .with_columns(pl.Series("type", self.types[other]))
            )
            names = pl.col("type").replace_strict(TYPE_NAMES, default="not a type defined by ITU-R M.1371")
            detail = pl.format("message type {} ({}) carries no vessel position or identity", pl.col("type"), names)
            self.block.reject(rows, self.unusable, "unsupported_type", detail)

    def _select(
        self, mask: np.ndarray, layout: Layout, rejects: Rejects, reject_short: bool = True
    ) -> tuple[np.ndarray, Columns]:
        """Rows in `mask` long enough for `layout`, decoded; short ones rejected unless told otherwise."""
        rows = np.flatnonzero(self.usable & mask)
        long_enough = self.payloads.nbits[rows] >= layout.min_bits
        for k in rows[~long_enough] if reject_short else ():
            detail = (
                f"type {int(self.types[k])} payload has {int(self.payloads.nbits[k])} bits, "
                f"{layout.min_bits} needed for a {layout.name}"
            )
            rejects.add(int(self.lines[k]), "short_payload", detail, self._raw(int(k)), records=int(self.weight[k]))
        rows = rows[long_enough]
        return rows, decode_layout(self.payloads.bits(rows, layout.min_bits), layout)

    def _of_type(self, *types: int) -> np.ndarray:
        return np.isin(self.types, types)

    def _line(self, k: int) -> int:
        return int(self.lines[k])

    def _raw(self, k: int) -> bytes | str:
        raw = self.raws[int(k)]
        return raw if raw is not None else self.block.raw(int(self.lines[k]))

    def _provenance(self, rows: np.ndarray, mmsi: np.ndarray) -> dict[str, pa.Array[Any]]:
        stations = self.stations.gather(rows).to_arrow(compat_level=pl.CompatLevel.oldest())
        return {
            "mmsi": pa.array(mmsi, pa.int64()),
            "ts": pa.array(self.ts[rows], pa.int64()),
            "source": pa.repeat(pa.scalar(self.source, pa.string()), len(rows)),
            "station": stations.cast(pa.string()),
            "line": pa.array(self.lines[rows], pa.int64()),
        }

    # --- positions -------------------------------------------------------------------------------

    def positions(self, rejects: Rejects) -> Rows:
        rejects.extend(self.unusable)
        parts = []
        for mask, layout in ((self._of_type(1, 2, 3), POSITION_A), (self._of_type(18, 19), POSITION_B)):
            rows, cols = self._select(mask, layout, rejects)
            parts.append(self._fine_position(rows, cols, rejects))
        rows, cols = self._select(self._of_type(27), LONG_RANGE, rejects)
        parts.append(self._coarse_position(rows, cols, rejects))
        return concat_rows(parts)

    def _fine_position(self, rows: np.ndarray, c: Columns, rejects: Rejects) -> Rows:
        lat, lon = np.asarray(c["lat"]), np.asarray(c["lon"])
        speed, course, heading = np.asarray(c["speed"]), np.asarray(c["course"]), np.asarray(c["heading"])
        status = np.asarray(c["status"]) if "status" in c else None
        return self._position_rows(
            rows,
            c,
            rejects,
            lat=(lat / 600_000.0, lat == _LAT_NA),
            lon=(lon / 600_000.0, lon == _LON_NA),
            sog=(speed / 10.0, speed == 1023),
            cog=(course / 10.0, course >= 3600),
            heading=(heading.astype(np.float64), heading > 359),
            status=status,
        )

    def _coarse_position(self, rows: np.ndarray, c: Columns, rejects: Rejects) -> Rows:
        lat, lon = np.asarray(c["lat"]), np.asarray(c["lon"])
        speed, course = np.asarray(c["speed"]), np.asarray(c["course"])
        return self._position_rows(
            rows,
            c,
            rejects,
            lat=(lat / 600.0, lat == _LAT_NA_27),
            lon=(lon / 600.0, lon == _LON_NA_27),
            sog=(speed.astype(np.float64), speed == 63),
            cog=(course.astype(np.float64), course > 359),
            heading=(np.zeros(len(rows)), np.ones(len(rows), bool)),
            status=np.asarray(c["status"]),
        )

    def _position_rows(
        self,
        rows: np.ndarray,
        c: Columns,
        rejects: Rejects,
        *,
        lat: tuple[np.ndarray, np.ndarray],
        lon: tuple[np.ndarray, np.ndarray],
        sog: tuple[np.ndarray, np.ndarray],
        cog: tuple[np.ndarray, np.ndarray],
        heading: tuple[np.ndarray, np.ndarray],
        status: np.ndarray | None,
    ) -> Rows:
        bad = (~lat[1] & (np.abs(lat[0]) > 90)) | (~lon[1] & (np.abs(lon[0]) > 180))
        for k in np.flatnonzero(bad):
            detail = f"position out of range: lat {lat[0][k]:.6f}, lon {lon[0][k]:.6f}"
            rejects.add(
                self._line(rows[k]),
                "out_of_range",
                detail,
                self._raw(rows[k]),
                records=int(self.weight[rows[k]]),
            )
        ok = ~bad
        rows = rows[ok]
        cols = self._provenance(rows, np.asarray(c["mmsi"])[ok])
        cols["lat"] = pa.array(lat[0][ok], pa.float64(), mask=lat[1][ok])
        cols["lon"] = pa.array(lon[0][ok], pa.float64(), mask=lon[1][ok])
        cols["sog_kn"] = pa.array(sog[0][ok].astype(np.float32), pa.float32(), mask=sog[1][ok])
        cols["cog_deg"] = pa.array(cog[0][ok].astype(np.float32), pa.float32(), mask=cog[1][ok])
        cols["heading_deg"] = pa.array(heading[0][ok].astype(np.float32), pa.float32(), mask=heading[1][ok])
        cols["nav_status"] = (
            pa.array(status[ok].astype(np.int8), pa.int8()) if status is not None else pa.nulls(len(rows), pa.int8())
        )
        cols["msg_type"] = pa.array(self.types[rows].astype(np.int8), pa.int8())
        return Rows(cols, self.weight[rows])

    # --- static ----------------------------------------------------------------------------------

    def static(self, rejects: Rejects) -> Rows:
        rows5, c5 = self._select(self._of_type(5), STATIC_VOYAGE, rejects)
        # a type-19 record is counted through its position row; its static half adds no record
        rows19, c19 = self._select(self._of_type(19), POSITION_B_EXTENDED, rejects, reject_short=False)
        static19 = self._static_rows(rows19, c19, voyage=False)
        static19.weight[:] = 0
        is24 = self._of_type(24)
        rows24, c24 = self._select(is24, PART_NUMBER, rejects)
        part = np.full(len(self.types), -1, np.int64)
        part[rows24] = np.asarray(c24["partno"])
        for k in np.flatnonzero(part > 1):
            rejects.add(
                self._line(int(k)),
                "malformed",
                f"type 24 part number {part[k]} is neither A (0) nor B (1)",
                self._raw(int(k)),
                records=int(self.weight[k]),
            )
        rows_a, ca = self._select(is24 & (part == 0), STATIC_24A, rejects)
        rows_b, cb = self._select(is24 & (part == 1), STATIC_24B, rejects)
        return concat_rows(
            [
                self._static_rows(rows5, c5, voyage=True),
                static19,
                self._join_24(self._static_rows(rows_a, ca, voyage=False), self._static_rows(rows_b, cb, voyage=False)),
            ]
        )

    def _static_rows(self, rows: np.ndarray, c: Columns, voyage: bool) -> Rows:
        n = len(rows)

        def num(name: str, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
            if name not in c:
                return np.zeros(n), np.ones(n, bool)
            v = np.asarray(c[name])
            return v / scale, v == 0

        def text(name: str) -> pa.Array[Any]:
            return pa.array(c[name], pa.string()) if name in c else pa.nulls(n, pa.string())

        dims = {
            k: np.asarray(c[k]) if k in c else np.zeros(n, np.int64)
            for k in ("to_bow", "to_stern", "to_port", "to_starboard")
        }
        length, beam = dims["to_bow"] + dims["to_stern"], dims["to_port"] + dims["to_starboard"]
        cols = self._provenance(rows, np.asarray(c["mmsi"]))
        imo, ship_type, draught = num("imo"), num("shiptype"), num("draught", 10.0)
        cols["imo"] = pa.array(imo[0].astype(np.int64), pa.int64(), mask=imo[1])
        cols["name"] = text("shipname")
        cols["callsign"] = text("callsign")
        cols["ship_type"] = pa.array(ship_type[0].astype(np.int16), pa.int16(), mask=ship_type[1])
        cols["length_m"] = pa.array(length.astype(np.float32), pa.float32(), mask=length == 0)
        cols["beam_m"] = pa.array(beam.astype(np.float32), pa.float32(), mask=beam == 0)
        cols["draught_m"] = pa.array(draught[0].astype(np.float32), pa.float32(), mask=draught[1])
        cols["destination"] = text("destination")
        cols["eta"] = (
            eta_from_parts(self.ts[rows], *(np.asarray(c[k]) for k in ("month", "day", "hour", "minute")))
            if voyage
            else pa.nulls(n, pa.int64())
        )
        cols["msg_type"] = pa.array(self.types[rows].astype(np.int8), pa.int8())
        return Rows(cols, self.weight[rows])

    def _join_24(self, part_a: Rows, part_b: Rows) -> Rows:
        """Parts A (name) and B (type, call sign, size) of one vessel, heard close together, become one row."""
        if not len(part_a) or not len(part_b):
            return concat_rows([part_a, part_b])
        a = pl.DataFrame({"mmsi": part_a.cols["mmsi"], "ts": part_a.cols["ts"], "ia": np.arange(len(part_a))})
        b = pl.DataFrame({"mmsi": part_b.cols["mmsi"], "tb": part_b.cols["ts"], "ib": np.arange(len(part_b))})
        pairs = (
            a.sort("ts")
            .join_asof(
                b.sort("tb"),
                left_on="ts",
                right_on="tb",
                by="mmsi",
                strategy="nearest",
                tolerance=PART_AB_WINDOW_US,
                check_sortedness=False,
            )
            .filter(pl.col("ib").is_not_null())
            .sort("ia")
        )
        ia, ib = pairs["ia"].to_numpy(), pairs["ib"].to_numpy().astype(np.int64)
        merged = part_a.cols.copy()
        for name in ("ship_type", "callsign", "length_m", "beam_m"):
            column = part_a.cols[name].to_pylist()
            fill = part_b.cols[name].to_pylist()
            for i, j in zip(ia.tolist(), ib.tolist(), strict=True):
                column[i] = fill[j]
            merged[name] = pa.array(column, part_a.cols[name].type)
        weight = part_a.weight.copy()
        first_use = pairs.select(pl.col("ib").is_first_distinct()).to_series().to_numpy()
        np.add.at(weight, ia[first_use], part_b.weight[ib[first_use]])
        leftover = np.setdiff1d(np.arange(len(part_b)), ib)
        return concat_rows([Rows(merged, weight), part_b.take(leftover)])
