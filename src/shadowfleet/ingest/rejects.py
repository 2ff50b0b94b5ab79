"""Rejected input records: collected column-wise, turned into the `rejects` table at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
import pyarrow as pa

from shadowfleet.core.schema import REJECTS, check

RAW_LIMIT = 2000
_SCHEMA = {"line": pl.Int64, "reason": pl.String, "detail": pl.String, "raw": pl.String, "records": pl.Int64}


@dataclass
class Rejects:
    """Reject rows of one input; `weight` counts input records (a multi-line record is one per line).

    Single rejects are appended one by one; bulk rejects arrive as whole frames (`add_frame`),
    so a file with many bad lines costs no Python work per line.
    """

    rows: list[tuple[int, str, str, str, int]] = field(default_factory=list)
    frames: list[pl.DataFrame] = field(default_factory=list)
    weight: int = 0

    def add(self, line: int, reason: str, detail: str, raw: bytes | str, records: int = 1) -> None:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        self.rows.append((line, reason, detail, text[:RAW_LIMIT], records))
        self.weight += records

    def add_frame(self, frame: pl.DataFrame) -> None:
        """Columns line, reason, detail, raw, records (as `_SCHEMA`)."""
        if frame.height:
            frame = frame.select(
                pl.col("line").cast(pl.Int64),
                pl.col("reason").cast(pl.String),
                pl.col("detail").cast(pl.String),
                pl.col("raw").cast(pl.String).str.slice(0, RAW_LIMIT),
                pl.col("records").cast(pl.Int64),
            )
            self.frames.append(frame)
            self.weight += int(frame["records"].sum())

    def extend(self, other: Rejects) -> None:
        self.rows += other.rows
        self.frames += other.frames
        self.weight += other.weight

    def frame(self) -> pl.DataFrame:
        single = pl.DataFrame(self.rows, schema=_SCHEMA, orient="row")
        return pl.concat([single, *self.frames]) if self.frames else single

    def __len__(self) -> int:
        return len(self.rows) + sum(f.height for f in self.frames)

    @property
    def reasons(self) -> list[str]:
        return self.frame()["reason"].to_list()

    def table(self, source: str, sha256: str, ingested_at: datetime) -> pa.Table:
        frame = self.frame()
        n = frame.height
        return check(
            pa.table(
                {
                    "source": pa.repeat(pa.scalar(source, pa.string()), n),
                    "source_sha256": pa.repeat(pa.scalar(sha256, pa.string()), n),
                    "line": frame["line"].to_arrow(),
                    "reason": frame["reason"].to_arrow(compat_level=pl.CompatLevel.oldest()).cast(pa.string()),
                    "detail": frame["detail"].to_arrow(compat_level=pl.CompatLevel.oldest()).cast(pa.string()),
                    "raw": frame["raw"].to_arrow(compat_level=pl.CompatLevel.oldest()).cast(pa.string()),
                    "ingested_at": pa.repeat(pa.scalar(ingested_at, REJECTS.schema.field("ingested_at").type), n),
                }
            ),
            REJECTS,
        )
