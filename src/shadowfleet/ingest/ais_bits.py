"""Vectorised access to the bits of many AIS payloads at once.

Payloads stay in one Arrow string buffer. A group of messages is cut out of it as a 2-D array of
6-bit symbols (one row per message, only as many columns as its layout needs), and fields come
out column-wise with shifts: a few numpy operations per field, no Python work per message.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

INVALID = 255
# ASCII armouring of ITU-R M.1371: '0'..'W' -> 0..39, '`'..'w' -> 40..63
ARMOUR = np.full(256, INVALID, dtype=np.uint8)
ARMOUR[48:88] = np.arange(0, 40, dtype=np.uint8)
ARMOUR[96:120] = np.arange(40, 64, dtype=np.uint8)
# six-bit text: 0..31 -> '@'..'_', 32..63 -> ' '..'?'
_SIXBIT_ASCII = np.array([v + 64 if v < 32 else v for v in range(64)], dtype=np.uint8)


def string_buffers(strings: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a string column, without copying it (nulls read as empty strings)."""
    arr = strings.fill_null("").to_arrow(compat_level=pl.CompatLevel.oldest())
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    offset_buffer, buffer = arr.buffers()[1:3]
    assert offset_buffer is not None  # a string array always has offsets
    offsets = np.frombuffer(memoryview(offset_buffer), dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    return offsets, np.frombuffer(memoryview(buffer), dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)


class Payloads:
    """The armoured payload strings of a batch of messages, as one buffer with offsets."""

    def __init__(self, payload: pl.Series, fill: np.ndarray) -> None:
        offsets, data = string_buffers(payload)
        self.data = data if len(data) else np.zeros(1, np.uint8)  # never empty: indexing stays in bounds
        self.starts, self.lengths = offsets[:-1], np.diff(offsets)
        self.nbits = self.lengths * 6 - fill.astype(np.int64)
        invalid = np.concatenate([[0], np.cumsum(ARMOUR[self.data] == INVALID)])
        ends = np.minimum(offsets[1:], len(self.data))
        self.bad_symbol = (invalid[ends] - invalid[np.minimum(self.starts, len(self.data))]) > 0
        first = ARMOUR[self.data[np.minimum(self.starts, len(self.data) - 1)]].astype(np.int64)
        self.types = np.where((self.lengths > 0) & ~self.bad_symbol, first, -1)

    def __len__(self) -> int:
        return len(self.starts)

    def bits(self, rows: np.ndarray, nbits: int) -> PayloadBits:
        """The first `nbits` bits of the payloads at `rows` (zeros past a payload's end)."""
        width = -(-nbits // 6)
        column = np.arange(width)
        index = np.minimum(self.starts[rows, None] + column, len(self.data) - 1)
        inside = column < self.lengths[rows, None]
        symbols = np.where(inside, ARMOUR[self.data[index]], 0).astype(np.uint8)
        return PayloadBits(symbols, self.nbits[rows])


class PayloadBits:
    """6-bit symbols of `n` payloads (n x width) and each payload's length in bits."""

    def __init__(self, symbols: np.ndarray, nbits: np.ndarray) -> None:
        self.symbols, self.nbits = symbols, nbits
        self.width = symbols.shape[1]

    def __len__(self) -> int:
        return int(self.symbols.shape[0])

    def uint(self, start: int, width: int) -> np.ndarray:
        """Unsigned big-endian field of `width` bits at bit `start` (width <= 32)."""
        first, last = start // 6, (start + width - 1) // 6
        acc = np.zeros(len(self), dtype=np.uint64)
        for col in range(first, last + 1):
            acc = (acc << np.uint64(6)) | self.symbols[:, col].astype(np.uint64)
        drop = (last + 1) * 6 - (start + width)
        return ((acc >> np.uint64(drop)) & np.uint64((1 << width) - 1)).astype(np.int64)

    def sint(self, start: int, width: int) -> np.ndarray:
        """Two's-complement signed field."""
        value = self.uint(start, width)
        return np.where(value >= 1 << (width - 1), value - (1 << width), value)

    def text(self, start: int, chars: int) -> list[str | None]:
        """Six-bit text: cut at the first '@', trailing blanks removed; '' becomes None."""
        codes = np.stack([self.uint(start + 6 * k, 6) for k in range(chars)], axis=1).astype(np.uint8)
        ascii_codes = _SIXBIT_ASCII[codes]
        after_at = np.maximum.accumulate(ascii_codes == 64, axis=1)
        ascii_codes[after_at] = 32
        texts = np.ascontiguousarray(ascii_codes).view(f"S{chars}").ravel()
        return [t.decode("ascii").rstrip() or None for t in texts.tolist()]
