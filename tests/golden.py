"""Decode a whole NMEA file without de-duplication, for comparison with other decoders' expectations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from shadowfleet.ingest.nmea_assembly import Assembler
from shadowfleet.ingest.nmea_decode import decode_messages
from shadowfleet.ingest.nmea_framing import Context, Framer
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.schema import POSITIONS, STATIC

START_US = 1_600_000_000_000_000


def decode_file(path: Path) -> tuple[pa.Table, pa.Table, Rejects]:
    lines = path.read_bytes().split(b"\n")
    rejects = Rejects()
    sentences = Framer(Context(fallback_ts=START_US)).frame(lines, 1, rejects)
    assembler = Assembler()
    msgs = assembler.add(sentences, rejects)
    assembler.finish(rejects)
    positions, static = decode_messages(msgs, np.arange(len(msgs)), str(path), rejects)
    return positions.table(POSITIONS), static.table(STATIC), rejects
