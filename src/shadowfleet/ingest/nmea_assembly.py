"""Sentences -> whole AIS messages: field checks and multi-sentence assembly."""

from __future__ import annotations

from dataclasses import dataclass, field

from shadowfleet.ingest.nmea_framing import NO_TS, Sentences, verify_checksums
from shadowfleet.ingest.rejects import Rejects

# Fragments of one message are buffered until their last part arrives; past this many open
# messages the oldest is given up (a feed that never completes its fragments must not grow memory).
MAX_OPEN_MESSAGES = 10_000


@dataclass
class Messages:
    """Column-wise complete AIS messages."""

    payload: list[bytes] = field(default_factory=list)
    fill: list[int] = field(default_factory=list)
    ts: list[int] = field(default_factory=list)
    station: list[str | None] = field(default_factory=list)
    line: list[int] = field(default_factory=list)
    n_lines: list[int] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)

    def append(self, payload: bytes, fill: int, ts: int, station: str | None, line: int, n: int, raw: bytes) -> None:
        self.payload.append(payload)
        self.fill.append(fill)
        self.ts.append(ts)
        self.station.append(station)
        self.line.append(line)
        self.n_lines.append(n)
        self.raw.append(raw)

    def __len__(self) -> int:
        return len(self.payload)


@dataclass
class _Partial:
    count: int
    parts: list[bytes]
    fill: int
    ts: int
    station: str | None
    line: int
    raws: list[bytes]


def _fields(body: bytes) -> tuple[int, int, bytes, bytes, bytes, int] | str:
    """(count, index, seq id, channel, payload, fill bits) or the reason the sentence is malformed."""
    parts = body.split(b",")
    if len(parts) != 7:
        return f"{len(parts)} comma-separated fields, expected 7"
    try:
        count, index, fill = int(parts[1]), int(parts[2]), int(parts[6] or b"0")
    except ValueError:
        return "fragment count, number or fill bits is not a number"
    if not 1 <= index <= count <= 9 or not 0 <= fill <= 5:
        return f"fragment {index} of {count} with {fill} fill bits is impossible"
    if not parts[5]:
        return "empty payload"
    return count, index, parts[3], parts[4], parts[5], fill


class Assembler:
    """Joins fragments; keeps unfinished messages across chunks of the same input."""

    def __init__(self) -> None:
        self.open: dict[tuple[bytes, int, bytes, bytes], _Partial] = {}

    def add(self, sentences: Sentences, rejects: Rejects) -> Messages:
        ok = verify_checksums(sentences.body, sentences.checksum)
        out = Messages()
        for i in range(len(sentences)):
            line, raw = sentences.line[i], sentences.raw[i]
            if not ok[i]:
                rejects.add(line, "checksum", "NMEA checksum does not match the sentence", raw)
                continue
            parsed = _fields(sentences.body[i])
            if isinstance(parsed, str):
                rejects.add(line, "malformed", parsed, raw)
                continue
            if parsed[0] == 1:
                out.append(parsed[4], parsed[5], sentences.ts[i], sentences.station[i], line, 1, raw)
            else:
                self._fragment(sentences, i, parsed, out, rejects)
        return out

    def _fragment(
        self,
        sentences: Sentences,
        i: int,
        parsed: tuple[int, int, bytes, bytes, bytes, int],
        out: Messages,
        rejects: Rejects,
    ) -> None:
        count, index, seq, channel, payload, fill = parsed
        station, ts = sentences.station[i], sentences.ts[i]
        # Not keyed by station: a log prefix often precedes only the first fragment. The talker
        # (AIVDM, BSVDM, ...) keeps apart the copies that several stations interleave.
        key = (sentences.body[i][:5], count, seq, channel)
        partial = self.open.get(key)
        if index == 1:
            if partial is not None:
                self._give_up(key, rejects)
            if len(self.open) >= MAX_OPEN_MESSAGES:
                self._give_up(next(iter(self.open)), rejects)
            self.open[key] = _Partial(count, [payload], fill, ts, station, sentences.line[i], [sentences.raw[i]])
            return
        if partial is None or len(partial.parts) != index - 1:
            detail = f"fragment {index} of {count} without the fragments before it"
            rejects.add(sentences.line[i], "incomplete", detail, sentences.raw[i])
            return
        partial.parts.append(payload)
        partial.raws.append(sentences.raw[i])
        partial.fill = fill
        if partial.ts == NO_TS:
            partial.ts = ts
        if index == count:
            del self.open[key]
            raw = b"\n".join(r.rstrip() for r in partial.raws)
            out.append(b"".join(partial.parts), fill, partial.ts, partial.station, partial.line, count, raw)

    def _give_up(self, key: tuple[bytes, int, bytes, bytes], rejects: Rejects) -> None:
        partial = self.open.pop(key)
        raw = b"\n".join(r.rstrip() for r in partial.raws)
        detail = f"multi-sentence message ended after {len(partial.parts)} of {partial.count} fragments"
        rejects.add(partial.line, "incomplete", detail, raw, records=len(partial.parts))

    def finish(self, rejects: Rejects) -> None:
        """End of input: whatever is still open never completed."""
        for key in list(self.open):
            self._give_up(key, rejects)
