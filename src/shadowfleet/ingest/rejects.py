"""Rejected input records: collected column-wise, turned into the `rejects` table at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from shadowfleet.schema import REJECTS, check

RAW_LIMIT = 2000


@dataclass
class Rejects:
    """Reject rows of one input file; `weight` counts input records (a multi-line record is one per line)."""

    lines: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)
    weight: int = 0

    def add(self, line: int, reason: str, detail: str, raw: bytes | str, records: int = 1) -> None:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        self.lines.append(line)
        self.reasons.append(reason)
        self.details.append(detail)
        self.raws.append(text[:RAW_LIMIT])
        self.weight += records

    def extend(self, other: Rejects) -> None:
        self.lines += other.lines
        self.reasons += other.reasons
        self.details += other.details
        self.raws += other.raws
        self.weight += other.weight

    def __len__(self) -> int:
        return len(self.lines)

    def table(self, source: str, sha256: str, ingested_at: datetime) -> pa.Table:
        n = len(self.lines)
        return check(
            pa.table(
                {
                    "source": pa.array([source] * n, pa.string()),
                    "source_sha256": pa.array([sha256] * n, pa.string()),
                    "line": pa.array(self.lines, pa.int64()),
                    "reason": pa.array(self.reasons, pa.string()),
                    "detail": pa.array(self.details, pa.string()),
                    "raw": pa.array(self.raws, pa.string()),
                    "ingested_at": pa.array([ingested_at] * n, REJECTS.schema.field("ingested_at").type),
                }
            ),
            REJECTS,
        )
