"""NMEA 0183 AIS logs -> canonical chunks: framing, assembly, de-duplication and decoding."""

from __future__ import annotations

from collections.abc import Iterator

from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.nmea_assembly import Assembler
from shadowfleet.ingest.nmea_decode import MessageDecoder
from shadowfleet.ingest.nmea_framing import NO_TS, Context, Framer
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import concat_rows

LINES_PER_CHUNK = 200_000


def read_nmea(
    blocks: Iterator[tuple[int, list[bytes]]], source: str, start_us: int = NO_TS
) -> Iterator[Chunk]:
    """Chunks of canonical rows from (first line number, lines) blocks of one NMEA input."""
    framer = Framer(Context(fallback_ts=start_us))
    assembler = Assembler()
    decoder = MessageDecoder(source)
    for first_line, lines in blocks:
        for offset in range(0, len(lines), LINES_PER_CHUNK):
            rejects = Rejects()
            sentences = framer.frame(lines[offset : offset + LINES_PER_CHUNK], first_line + offset, rejects)
            decoded = decoder.decode(assembler.add(sentences, rejects), rejects)
            yield Chunk(decoded.positions, decoded.static, rejects, decoded.duplicates)
    rejects = Rejects()
    assembler.finish(rejects)
    if rejects:
        empty = concat_rows([])
        yield Chunk(empty, empty, rejects, 0)
