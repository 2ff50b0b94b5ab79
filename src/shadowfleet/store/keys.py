"""Which rows the store already holds, per table and UTC date, as 64-bit row hashes.

A row is a duplicate when the hash of its key columns (`Table.key`) is already present. Hashes of
committed rows are loaded lazily, only for dates an ingest touches. Arrays are kept sorted and
merged in a few levels, so a lookup is a binary search rather than Python work per row.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from shadowfleet.core.frames import frame_of
from shadowfleet.core.schema import Table

_SEED = 0x5F1EE7
_MAX_LEVELS = 8


def row_hashes(table: pa.Table, spec: Table) -> np.ndarray:
    return frame_of(table.select(list(spec.key))).hash_rows(seed=_SEED).to_numpy().astype(np.uint64)


class KeyIndex:
    def __init__(self, spec: Table, load: Callable[[str], pa.Table | None]) -> None:
        self.spec = spec
        self._load = load  # date -> committed key columns of that date (None if no data)
        self._levels: dict[str, list[np.ndarray]] = {}

    def _levels_for(self, date: str) -> list[np.ndarray]:
        levels = self._levels.get(date)
        if levels is None:
            committed = self._load(date)
            levels = [np.sort(row_hashes(committed, self.spec))] if committed is not None else []
            self._levels[date] = levels
        return levels

    def new_mask(self, date: str, hashes: np.ndarray) -> np.ndarray:
        """True for rows not yet held and not repeated earlier in `hashes`; remembers them."""
        keep = np.zeros(len(hashes), dtype=bool)
        _, first = np.unique(hashes, return_index=True)
        keep[first] = True
        levels = self._levels_for(date)
        for level in (lv for lv in levels if len(lv)):
            pos = np.minimum(np.searchsorted(level, hashes), len(level) - 1)
            keep &= level[pos] != hashes
        fresh = np.sort(hashes[keep])
        if len(fresh):
            levels.append(fresh)
            if len(levels) > _MAX_LEVELS:
                levels[:] = [np.sort(np.concatenate(levels))]
        return keep
