"""Canonical rows in the making: named arrow columns plus how many input records each row stands for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from shadowfleet.core.schema import TS, Table, check

_US_PER_DAY = 86_400_000_000


@dataclass
class Rows:
    """Columns of one canonical table (times as int64 µs until `table`) and per-row record weights.

    A row's weight is the number of input records it accounts for: two sentences for a type-5
    message, zero for a static row derived from a CSV row already counted through its position.
    """

    cols: dict[str, pa.Array[Any]]
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.weight)

    def take(self, idx: np.ndarray) -> Rows:
        index = pa.array(idx, pa.int64())
        return Rows({k: v.take(index) for k, v in self.cols.items()}, self.weight[idx])

    def table(self, spec: Table) -> pa.Table:
        arrays = {}
        for name in spec.names:
            arr = self.cols[name]
            arrays[name] = arr.cast(TS) if spec.schema.field(name).type == TS and arr.type != TS else arr
        return check(pa.table(arrays), spec)


def concat_rows(parts: list[Rows]) -> Rows:
    parts = [p for p in parts if len(p)] or parts[:1]
    if not parts:
        return Rows({}, np.zeros(0, np.int64))
    names = parts[0].cols.keys()
    cols = {n: pa.concat_arrays([p.cols[n] for p in parts]) for n in names}
    return Rows(cols, np.concatenate([p.weight for p in parts]))


def civil_to_us(
    year: np.ndarray,
    month: np.ndarray,
    day: np.ndarray,
    hour: np.ndarray,
    minute: np.ndarray,
    second: np.ndarray,
    micro: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """UTC calendar fields -> (µs since 1970, valid); impossible dates (31 Feb) are not valid."""
    valid = (
        (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (hour >= 0)
        & (hour <= 23)
        & (minute >= 0)
        & (minute <= 59)
        & (second >= 0)
        & (second <= 60)
        & (micro >= 0)
        & (year >= 1970)
        & (year <= 2200)
    )
    start = ((np.where(valid, year, 1970) - 1970) * 12 + np.where(valid, month, 1) - 1).astype("datetime64[M]")
    first_day = start.astype("datetime64[D]")
    days_in_month = ((start + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    valid &= day <= days_in_month
    us = (
        first_day.astype(np.int64) * _US_PER_DAY
        + (day - 1) * _US_PER_DAY
        + hour * 3_600_000_000
        + minute * 60_000_000
        + second * 1_000_000
        + micro
    )
    return us, valid


def eta_from_parts(
    ts_us: np.ndarray, month: np.ndarray, day: np.ndarray, hour: np.ndarray, minute: np.ndarray
) -> pa.Array[Any]:
    """AIS ETA (month, day, hour, minute; no year) -> UTC µs, taking the year that puts it no more
    than a month before the message; 'not available' values (0, 0, 24, 60) and impossible dates give null."""
    year = ts_us.astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64) + 1970
    zero = np.zeros(len(ts_us), np.int64)
    this_year, ok_this = civil_to_us(year, month, day, hour, minute, zero, zero)
    next_year, ok_next = civil_to_us(year + 1, month, day, hour, minute, zero, zero)
    use_this = ok_this & (this_year >= ts_us - 31 * _US_PER_DAY)
    result = np.where(use_this, this_year, next_year)
    return pa.array(result, pa.int64(), mask=~(use_this | ok_next))
