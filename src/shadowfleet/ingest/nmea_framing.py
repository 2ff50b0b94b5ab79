"""NMEA 0183 line framing: which line is an AIS sentence, when it was heard, and by whom.

Handles the log variants seen in the wild:
- NMEA 4 tag blocks, alone on a line or in front of the sentence: ``\\s:station,c:unixtime*hh\\``;
- Gatehouse/DMA ``$PGHP,1,yyyy,m,d,h,m,s,ms,...`` lines that time the next sentence;
- a time before the sentence on the same line (epoch seconds or ISO-8601);
- a time after the checksum (``...*hh,1412524603``) or the USCG NAIS suffix
  (``...*hh,d-109,S2105,t050056.00,T56.13,r003669946,1325394060``).
Checksums are verified for whole batches at once (`verify_checksums`), not per line in Python.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from shadowfleet.ingest.rejects import Rejects

NO_TS = -(2**63)
_VDM = (b"VDM", b"VDO")


@dataclass
class Context:
    """Framing state that carries over from one chunk of lines to the next."""

    pending_ts: int = NO_TS
    pending_station: str | None = None
    fallback_ts: int = NO_TS


@dataclass
class Sentences:
    """Column-wise AIS sentences of one chunk (one entry per `!xxVDM` line)."""

    line: list[int] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    checksum: list[int] = field(default_factory=list)
    ts: list[int] = field(default_factory=list)
    station: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.line)


def _epoch_us(text: bytes | str) -> int:
    """Parse unix seconds (or milliseconds, told apart by size); NO_TS if it is not a number."""
    try:
        value = float(text)
    except ValueError:
        return NO_TS
    if value > 1e11:  # milliseconds since 1970 (seconds would be past the year 5000)
        value /= 1000.0
    if not 946_684_800 <= value < 4.1e9:  # from 2000 on, as nmea_lines.MIN_EPOCH_S
        return NO_TS
    return round(value * 1_000_000)


def parse_time_text(text: str) -> int:
    """A standalone time: unix seconds/milliseconds or ISO-8601 (naive means UTC). NO_TS if neither."""
    text = text.strip()
    if not text:
        return NO_TS
    if text[0].isdigit() and text.replace(".", "", 1).isdigit():
        return _epoch_us(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return NO_TS
    seconds = calendar.timegm(moment.utctimetuple())
    return seconds * 1_000_000 + moment.microsecond


def _tag_block(block: bytes) -> tuple[int, str | None, bool]:
    """(time, station, checksum ok) of a tag block's inside, e.g. ``s:r3669961,c:1325394060*5A``.

    A declared checksum of ``00`` is accepted as "not computed"; any other mismatch is not.
    """
    star = block.rfind(b"*")
    content = block[:star] if star >= 0 else block
    ok = True
    if star >= 0:
        acc = 0
        for byte in content:
            acc ^= byte
        declared = block[star + 1 : star + 3]
        # '00' is a placeholder some receivers write (AMSA and pyais sample logs): not a mismatch
        ok = declared == b"00" or declared.upper() == f"{acc:02X}".encode()
    ts, station = NO_TS, None
    for item in content.split(b","):
        if item[:2] == b"c:":
            ts = _epoch_us(item[2:])
        elif item[:2] == b"s:":
            station = item[2:].decode("ascii", "replace")
    return ts, station, ok


def _pghp(line: bytes) -> tuple[int, str | None]:
    """Time and station of a Gatehouse ``$PGHP,1,...`` line; NO_TS when it is not of type 1."""
    parts = line.split(b",")
    if len(parts) < 9 or parts[1] != b"1":
        return NO_TS, None
    try:
        y, mo, d, h, mi, s, ms = (int(p) for p in parts[2:9])
        seconds = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    except (ValueError, OverflowError):
        return NO_TS, None
    station = parts[11].decode("ascii", "replace") if len(parts) > 11 and parts[11] else None
    return seconds * 1_000_000 + ms * 1000, station


def _suffix(rest: bytes) -> tuple[int, str | None]:
    """Time and station from what follows ``*hh`` (a trailing epoch or a NAIS suffix)."""
    ts, station = NO_TS, None
    for item in rest.split(b","):
        if not item:
            continue
        if item[:1] == b"r" and station is None:
            station = item.decode("ascii", "replace")
        elif ts == NO_TS and item[:1].isdigit():
            ts = _epoch_us(item)
    return ts, station


class Framer:
    """Turns raw lines into `Sentences` plus rejects for lines that are not AIS sentences."""

    def __init__(self, context: Context | None = None) -> None:
        self.ctx = context or Context()

    def frame(self, lines: list[bytes], first_line: int, rejects: Rejects) -> Sentences:
        out = Sentences()
        ctx = self.ctx
        line_no = first_line - 1
        for raw in lines:
            line_no += 1
            line = raw.strip()
            if not line or line[0] == 35:  # blank or '#': comments are not records
                continue
            ts, station = NO_TS, None
            if line[0] == 92:  # '\\': NMEA 4 tag block
                end = line.find(b"\\", 1)
                if end < 0:
                    rejects.add(line_no, "bad_tag_block", "tag block has no closing backslash", raw)
                    continue
                ts, station, ok = _tag_block(line[1:end])
                if not ok:
                    rejects.add(line_no, "tag_checksum", "tag block checksum does not match", raw)
                    ctx.pending_ts, ctx.pending_station = NO_TS, None
                    continue
                line = line[end + 1 :]
                if not line:  # the tag block times the next sentence
                    ctx.pending_ts, ctx.pending_station = ts, station
                    continue
            if line[:5] == b"$PGHP":
                ctx.pending_ts, ctx.pending_station = _pghp(line)
                continue
            bang = line.find(b"!")
            if bang < 0 or line[bang + 3 : bang + 6] not in _VDM:
                kind = line[:6].decode("ascii", "replace")
                rejects.add(line_no, "non_ais", f"not an AIS sentence ({kind!r})", raw)
                ctx.pending_ts = NO_TS
                continue
            if bang and ts == NO_TS:
                ts = parse_time_text(line[:bang].strip(b" ,;\t").decode("ascii", "replace"))
            star = line.find(b"*", bang)
            if star < 0:
                rejects.add(line_no, "checksum", "sentence has no '*hh' checksum", raw)
                ctx.pending_ts = NO_TS
                continue
            try:
                checksum = int(line[star + 1 : star + 3], 16)
            except ValueError:
                checksum = -1
            if len(line) > star + 3:
                suffix_ts, suffix_station = _suffix(line[star + 3 :])
                ts = ts if ts != NO_TS else suffix_ts
                station = station or suffix_station
            if ts == NO_TS:
                ts = ctx.pending_ts if ctx.pending_ts != NO_TS else ctx.fallback_ts
            out.line.append(line_no)
            out.raw.append(raw)
            out.body.append(line[bang + 1 : star])
            out.checksum.append(checksum)
            out.ts.append(ts)
            out.station.append(station or ctx.pending_station)
            ctx.pending_ts, ctx.pending_station = NO_TS, None
        return out


def verify_checksums(bodies: list[bytes], declared: list[int]) -> np.ndarray:
    """Boolean mask: XOR of each body equals its declared checksum (vectorised over the batch)."""
    if not bodies:
        return np.zeros(0, dtype=bool)
    lengths = np.fromiter((len(b) for b in bodies), dtype=np.int64, count=len(bodies))
    buffer = np.frombuffer(b"".join(bodies), dtype=np.uint8)
    starts = np.zeros(len(bodies), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    # reduceat on an empty segment returns the element at its start, so mask those explicitly
    safe_starts = np.minimum(starts, max(len(buffer) - 1, 0))
    xor = np.bitwise_xor.reduceat(buffer, safe_starts) if len(buffer) else np.zeros(len(bodies), np.uint8)
    return (xor.astype(np.int64) == np.asarray(declared, dtype=np.int64)) & (lengths > 0)
