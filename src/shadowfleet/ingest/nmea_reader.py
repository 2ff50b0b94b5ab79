"""NMEA 0183 AIS logs and feeds -> canonical chunks: framing, assembly, de-duplication, decoding."""

from __future__ import annotations

from collections.abc import Iterator

from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.nmea_assembly import Assembler
from shadowfleet.ingest.nmea_decode import MessageDecoder
from shadowfleet.ingest.nmea_lines import NO_TS, LineBlock, LineFramer
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import concat_rows


class NmeaStream:
    """Decodes one input block after block, keeping what spans blocks (timing, fragments, repeats)."""

    def __init__(self, source: str, start_us: int = NO_TS) -> None:
        self.framer = LineFramer(start_us)
        self.assembler = Assembler()
        self.decoder = MessageDecoder(source)

    def block(self, first_line: int, data: bytes, received_us: int | None = None) -> Chunk:
        """Decode whole lines; `received_us` (live feeds) times the sentences that carry no time."""
        if received_us is not None:
            self.framer.fallback_ts = received_us
        rejects = Rejects()
        if data.isspace():  # blank lines only (a gzip of newlines): no records, and no work per line
            empty = concat_rows([])
            return Chunk(empty, empty, rejects, 0)
        block = LineBlock(data, first_line)
        messages = self.assembler.add(self.framer.frame(block, rejects), block, rejects)
        decoded = self.decoder.decode(messages, block, rejects)
        return Chunk(decoded.positions, decoded.static, rejects, decoded.duplicates)

    def finish(self) -> Chunk | None:
        """End of input: fragments still waiting for their partners are rejected."""
        rejects = Rejects()
        self.assembler.finish(rejects)
        if not rejects:
            return None
        empty = concat_rows([])
        return Chunk(empty, empty, rejects, 0)


def read_nmea(blocks: Iterator[tuple[int, bytes, int]], source: str, start_us: int = NO_TS) -> Iterator[Chunk]:
    """Chunks of canonical rows from (first line number, bytes of whole lines, count) blocks."""
    stream = NmeaStream(source, start_us)
    for first_line, data, _count in blocks:
        yield stream.block(first_line, data)
    last = stream.finish()
    if last is not None:
        yield last
