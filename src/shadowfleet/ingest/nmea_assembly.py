"""Sentences -> whole AIS messages: checksum and field checks, multi-sentence assembly.

Single-sentence messages (the great majority) pass through column-wise; only fragments of
multi-sentence messages (types 5, 19, 24 when split) are joined in a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from shadowfleet.ingest.nmea_lines import LineBlock
from shadowfleet.ingest.rejects import Rejects

# Fragments of one message are buffered until their last part arrives; past this many open
# messages the oldest is given up (a feed that never completes its fragments must not grow memory).
MAX_OPEN_MESSAGES = 10_000

MESSAGE_SCHEMA = {
    "payload": pl.String,
    "fill": pl.Int64,
    "ts": pl.Int64,
    "station": pl.String,
    "line": pl.Int64,
    "n_lines": pl.Int64,
    "raw": pl.String,
}


@dataclass
class _Partial:
    count: int
    parts: list[str]
    fill: int
    ts: int | None
    station: str | None
    line: int
    raws: list[str] = field(default_factory=list)


def _malformed(sentences: pl.DataFrame) -> pl.DataFrame:
    """Rows whose fields make no sentence, with the reason in words."""
    count, index, fill = pl.col("count"), pl.col("index"), pl.col("fill")
    problem = (
        pl.when(count.is_null() | index.is_null() | fill.is_null() | pl.col("payload").is_null())
        .then(pl.lit("fragment count, number or fill bits missing or not a number"))
        .when(~((index >= 1) & (index <= count) & (count <= 9)))
        .then(pl.format("fragment {} of {} is impossible", index, count))
        .when((fill < 0) | (fill > 5))
        .then(pl.format("{} fill bits is impossible", fill))
        .when(pl.col("payload") == "")
        .then(pl.lit("empty payload"))
    )
    return sentences.with_columns(problem.alias("problem"))


class Assembler:
    """Joins fragments; keeps unfinished messages across blocks of the same input."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, int, str, str], _Partial] = {}

    def add(self, sentences: pl.DataFrame, block: LineBlock, rejects: Rejects) -> pl.DataFrame:
        block.reject(
            sentences.filter(~pl.col("checksum_ok")),
            rejects,
            "checksum",
            "NMEA checksum does not match the sentence",
        )
        checked = _malformed(sentences.filter(pl.col("checksum_ok")))
        block.reject(checked.filter(pl.col("problem").is_not_null()), rejects, "malformed", pl.col("problem"))
        good = checked.filter(pl.col("problem").is_null())
        singles = good.filter(pl.col("count") == 1).select(
            "payload",
            "fill",
            "ts",
            "station",
            "line",
            pl.lit(1, pl.Int64).alias("n_lines"),
            pl.lit(None, pl.String).alias("raw"),
        )
        multi = good.filter(pl.col("count") > 1)
        if not multi.height:
            return singles
        return pl.concat([singles, self._assemble(multi, block, rejects)])

    def _assemble(self, multi: pl.DataFrame, block: LineBlock, rejects: Rejects) -> pl.DataFrame:
        done: dict[str, list[object]] = {name: [] for name in MESSAGE_SCHEMA}
        rows = multi.select("talker", "count", "index", "seq", "channel", "payload", "fill", "ts", "station", "line")
        for talker, count, index, seq, channel, payload, fill, ts, station, line in rows.iter_rows():
            raw = block.raw(line).decode("ascii", "replace")
            # Not keyed by station: a log prefix often precedes only the first fragment. The talker
            # (AIVDM, BSVDM, ...) keeps apart the copies that several stations interleave.
            key = (talker, count, seq or "", channel or "")
            partial = self.open.get(key)
            if index == 1:
                if partial is not None:
                    self._give_up(key, rejects)
                if len(self.open) >= MAX_OPEN_MESSAGES:
                    self._give_up(next(iter(self.open)), rejects)
                self.open[key] = _Partial(count, [payload], fill, ts, station, line, [raw])
                continue
            if partial is None or len(partial.parts) != index - 1:
                rejects.add(line, "incomplete", f"fragment {index} of {count} without the fragments before it", raw)
                continue
            partial.parts.append(payload)
            partial.raws.append(raw)
            partial.fill = fill
            partial.ts = partial.ts if partial.ts is not None else ts
            if index == count:
                del self.open[key]
                for name, value in zip(
                    MESSAGE_SCHEMA,
                    (
                        "".join(partial.parts),
                        fill,
                        partial.ts,
                        partial.station,
                        partial.line,
                        count,
                        "\n".join(partial.raws),
                    ),
                    strict=True,
                ):
                    done[name].append(value)
        return pl.DataFrame(done, schema=MESSAGE_SCHEMA)

    def _give_up(self, key: tuple[str, int, str, str], rejects: Rejects) -> None:
        partial = self.open.pop(key)
        detail = f"multi-sentence message ended after {len(partial.parts)} of {partial.count} fragments"
        rejects.add(partial.line, "incomplete", detail, "\n".join(partial.raws), records=len(partial.parts))

    def finish(self, rejects: Rejects) -> None:
        """End of input: whatever is still open never completed."""
        for key in list(self.open):
            self._give_up(key, rejects)
