"""When the store was recording: the time intervals in which silence means something."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_US_PER_H = 3_600_000_000


@dataclass(frozen=True)
class Coverage:
    """When the store was recording: merged [start, end] intervals (µs) of its sources.

    A vessel is only silent while data was being recorded: a "gap" between two snapshot files
    years apart, or after a log ended, says nothing about the vessel.
    """

    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, intervals: list[tuple[int, int]], slack_us: int = _US_PER_H) -> Coverage:
        merged: list[list[int]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1] + slack_us:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(np.array([m[0] for m in merged], np.int64), np.array([m[1] for m in merged], np.int64))

    def end_of(self, ts: np.ndarray) -> np.ndarray:
        """End of the recording interval holding each time (-1 where none does)."""
        at = np.searchsorted(self.starts, ts, side="right") - 1
        inside = (at >= 0) & (ts <= self.ends[np.maximum(at, 0)])
        return np.where(inside, self.ends[np.maximum(at, 0)], -1)


def recording(hours: list[tuple[str, int, int, int, int]], within_source_h: int = 24) -> Coverage:
    """When the store was recording, from (source, hour, count, first µs, last µs) rows: each source from
    its first to its last message across silences of up to a day (a log records on while ships are
    quiet), but not across longer holes (a file holding two snapshots a year apart did not record in
    between)."""
    by_source: dict[str, list[tuple[int, int]]] = {}
    for source, _, _, first, last in hours:
        by_source.setdefault(source, []).append((int(first), int(last)))
    spans = []
    for source_spans in by_source.values():
        merged = Coverage.of(source_spans, slack_us=within_source_h * _US_PER_H)
        spans += list(zip(merged.starts.tolist(), merged.ends.tolist(), strict=True))
    return Coverage.of(spans)
