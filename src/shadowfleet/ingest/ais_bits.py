"""Vectorised access to the bits of many AIS payloads at once.

A batch of payloads is held as a 2-D array of 6-bit values (one row per message, padded with
zeros); fields are pulled out column-wise with shifts, so decoding costs a few numpy operations
per field rather than Python work per message.
"""

from __future__ import annotations

import numpy as np

INVALID = 255
# ASCII armouring of ITU-R M.1371: '0'..'W' -> 0..39, '`'..'w' -> 40..63
_ARMOUR = np.full(256, INVALID, dtype=np.uint8)
_ARMOUR[48:88] = np.arange(0, 40, dtype=np.uint8)
_ARMOUR[96:120] = np.arange(40, 64, dtype=np.uint8)
# six-bit text: 0..31 -> '@'..'_', 32..63 -> ' '..'?'
_SIXBIT_ASCII = np.array([v + 64 if v < 32 else v for v in range(64)], dtype=np.uint8)


class PayloadBits:
    """The 6-bit symbols of `n` payloads, padded to `width` symbols, with each payload's bit length."""

    def __init__(self, payloads: list[bytes], fill_bits: np.ndarray, width: int | None = None) -> None:
        lengths = np.fromiter((len(p) for p in payloads), dtype=np.int64, count=len(payloads))
        self.width = int(width if width is not None else (lengths.max() if len(lengths) else 0))
        padded = b"".join(p[: self.width].ljust(self.width, b"0") for p in payloads)
        raw = np.frombuffer(padded, dtype=np.uint8).reshape(len(payloads), self.width)
        symbols = _ARMOUR[raw]
        # where a payload is shorter than the width, its padding is '0' (symbol 0): valid by design
        self.bad_symbol = (symbols == INVALID).any(axis=1) if self.width else np.zeros(len(payloads), bool)
        self.symbols = np.where(symbols == INVALID, 0, symbols).astype(np.uint64)
        self.nbits = lengths * 6 - fill_bits.astype(np.int64)

    def __len__(self) -> int:
        return int(self.symbols.shape[0])

    def uint(self, start: int, width: int) -> np.ndarray:
        """Unsigned big-endian field of `width` bits at bit `start` (width <= 32)."""
        first, last = start // 6, (start + width - 1) // 6
        acc = np.zeros(len(self), dtype=np.uint64)
        for col in range(first, min(last, self.width - 1) + 1):
            acc = (acc << np.uint64(6)) | self.symbols[:, col]
        missing = last - min(last, self.width - 1)
        acc = acc << np.uint64(6 * missing)
        drop = (last + 1) * 6 - (start + width)
        return ((acc >> np.uint64(drop)) & np.uint64((1 << width) - 1)).astype(np.int64)

    def int(self, start: int, width: int) -> np.ndarray:
        """Two's-complement signed field."""
        value = self.uint(start, width)
        return np.where(value >= 1 << (width - 1), value - (1 << width), value)

    def text(self, start: int, chars: int) -> list[str | None]:
        """Six-bit text: cut at the first '@', trailing blanks removed; '' becomes None."""
        codes = np.stack([self.uint(start + 6 * k, 6) for k in range(chars)], axis=1).astype(np.uint8)
        ascii_codes = _SIXBIT_ASCII[codes]
        after_at = np.maximum.accumulate(ascii_codes == 64, axis=1)
        ascii_codes[after_at] = 32
        texts = ascii_codes.view(f"S{chars}").ravel()
        return [t.decode("ascii").rstrip() or None for t in texts.tolist()]

    def has(self, nbits: int) -> np.ndarray:
        return self.nbits >= nbits

    def subset(self, rows: np.ndarray) -> PayloadBits:
        """The same payloads restricted to `rows` (no re-armouring)."""
        sub = object.__new__(PayloadBits)
        sub.width = self.width
        sub.symbols = self.symbols[rows]
        sub.bad_symbol = self.bad_symbol[rows]
        sub.nbits = self.nbits[rows]
        return sub
