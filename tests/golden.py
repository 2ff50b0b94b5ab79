"""Decode a whole NMEA file without de-duplication, for comparison with other decoders' expectations."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa

from shadowfleet.core.schema import POSITIONS, STATIC
from shadowfleet.ingest.nmea_assembly import Assembler
from shadowfleet.ingest.nmea_decode import decode_messages
from shadowfleet.ingest.nmea_lines import LineBlock, LineFramer
from shadowfleet.ingest.rejects import Rejects

START_US = 1_600_000_000_000_000


def decode_file(path: Path) -> tuple[pa.Table, pa.Table, Rejects]:
    block = LineBlock(path.read_bytes(), 1)
    rejects = Rejects()
    assembler = Assembler()
    msgs = assembler.add(LineFramer(START_US).frame(block, rejects), block, rejects)
    assembler.finish(rejects)
    positions, static = decode_messages(msgs.filter(pl.col("ts").is_not_null()), str(path), rejects, block)
    return positions.table(POSITIONS), static.table(STATIC), rejects
