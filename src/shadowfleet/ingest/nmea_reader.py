"""NMEA 0183 AIS logs -> canonical chunks: framing, assembly, de-duplication and decoding."""

from __future__ import annotations

from collections.abc import Iterator

from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.nmea_assembly import Assembler
from shadowfleet.ingest.nmea_decode import MessageDecoder
from shadowfleet.ingest.nmea_lines import NO_TS, LineBlock, LineFramer
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import concat_rows


def read_nmea(blocks: Iterator[tuple[int, bytes, int]], source: str, start_us: int = NO_TS) -> Iterator[Chunk]:
    """Chunks of canonical rows from (first line number, bytes of whole lines, count) blocks."""
    framer = LineFramer(start_us)
    assembler = Assembler()
    decoder = MessageDecoder(source)
    for first_line, data, _count in blocks:
        rejects = Rejects()
        block = LineBlock(data, first_line)
        messages = assembler.add(framer.frame(block, rejects), block, rejects)
        decoded = decoder.decode(messages, block, rejects)
        yield Chunk(decoded.positions, decoded.static, rejects, decoded.duplicates)
    rejects = Rejects()
    assembler.finish(rejects)
    if rejects:
        empty = concat_rows([])
        yield Chunk(empty, empty, rejects, 0)
