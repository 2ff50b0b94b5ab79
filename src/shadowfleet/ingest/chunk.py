"""What every reader yields: canonical rows of one block of input, with its record accounting."""

from __future__ import annotations

from dataclasses import dataclass

from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import Rows


@dataclass
class Chunk:
    positions: Rows
    static: Rows
    rejects: Rejects
    duplicates: int

    @property
    def records(self) -> int:
        """Input records this chunk accounts for (accepted or not)."""
        return int(self.positions.weight.sum() + self.static.weight.sum()) + self.duplicates + self.rejects.weight
