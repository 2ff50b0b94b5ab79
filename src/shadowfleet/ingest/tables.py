"""Canonical rows in the making: named arrow columns plus how many input records each row stands for."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from shadowfleet.schema import TS, Table, check

_US_PER_DAY = 86_400_000_000


@dataclass
class Rows:
    """Columns of one canonical table (times as int64 µs until `table`) and per-row record weights.

    A row's weight is the number of input records it accounts for: two sentences for a type-5
    message, zero for a static row derived from a CSV row already counted through its position.
    """

    cols: dict[str, pa.Array]
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


def eta_from_parts(
    ts_us: np.ndarray, month: np.ndarray, day: np.ndarray, hour: np.ndarray, minute: np.ndarray
) -> pa.Array:
    """AIS ETA (month, day, hour, minute; no year) -> UTC µs, taking the year that puts it no more
    than a month before the message; 'not available' values (0, 0, 24, 60) and impossible dates give null."""
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hour <= 23) & (minute <= 59)
    year = ts_us.astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64) + 1970
    result = np.zeros(len(ts_us), np.int64)
    for shift in (0, 1):  # this year, or next year if that would lie in the past
        start = ((year + shift - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
        days_in_month = ((start + 1).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(np.int64)
        moment = (
            start.astype("datetime64[D]").astype("datetime64[us]").astype(np.int64)
            + (day - 1) * _US_PER_DAY + hour * 3_600_000_000 + minute * 60_000_000
        )
        usable = valid & (day <= days_in_month)
        take = (result == 0) & usable & ((moment >= ts_us - 31 * _US_PER_DAY) | (shift == 1))
        result = np.where(take, moment, result)
    return pa.array(result, pa.int64(), mask=result == 0)
