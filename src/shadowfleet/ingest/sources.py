"""Input files: expansion of paths, archives, decompression, hashing and block-wise line reading.

Everything here streams: a file of any size is read in blocks of `BLOCK_BYTES`, so memory does
not grow with the input.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from shadowfleet.core.lines import LineSplitter, LongLine

BLOCK_BYTES = 8 << 20
SNIFF_BYTES = 64 << 10
# Inflating stops at this many bytes per call: a small gzip of repeated bytes ("a gzip bomb")
# decompresses block by block, never all at once.
INFLATE_BYTES = BLOCK_BYTES


class InputError(Exception):
    """A one-line, user-facing problem with an input file (names the file, and line or field if known)."""


@dataclass(frozen=True)
class Source:
    """One input: a file, or one member of a zip archive."""

    name: str
    open_raw: Callable[[], BinaryIO]
    size: int


def expand(paths: list[Path]) -> tuple[list[Source], list[str]]:
    """Files named or found (recursively, sorted) under the given paths; errors for missing ones."""
    sources: list[Source] = []
    errors: list[str] = []
    for path in paths:
        if not path.exists():
            errors.append(f"{path}: no such file or directory")
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        _add(Path(root) / name, sources, errors)
        else:
            _add(path, sources, errors)
    return sources, errors


def _add(path: Path, sources: list[Source], errors: list[str]) -> None:
    resolved = path.resolve()
    try:
        with resolved.open("rb") as fh:
            magic = fh.read(4)
        size = resolved.stat().st_size
    except OSError as exc:
        errors.append(f"{path}: cannot be read ({exc.strerror or exc})")
        return
    if magic == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(resolved) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
        except (zipfile.BadZipFile, OSError) as exc:
            errors.append(f"{path}: broken zip archive ({exc})")
            return
        for member in members:
            sources.append(
                Source(f"{resolved}::{member.filename}", _zip_opener(resolved, member.filename), member.file_size)
            )
        return
    sources.append(Source(str(resolved), lambda: resolved.open("rb"), size))


def _zip_opener(archive: Path, member: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        return cast(BinaryIO, zipfile.ZipFile(archive).open(member))  # streams; seekable, as Parquet needs

    return opener


def sha256_of(source: Source) -> str:
    digest = hashlib.sha256()
    with source.open_raw() as fh:
        while block := fh.read(BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


class Counting(io.RawIOBase):
    """Counts the raw (compressed) bytes consumed, for progress."""

    def __init__(self, raw: BinaryIO, prefix: bytes) -> None:
        self.raw, self.prefix, self.bytes_read = raw, prefix, len(prefix)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer)
        if self.prefix:  # the magic bytes already read for sniffing go first
            n = min(len(self.prefix), len(view))
            view[:n], self.prefix = self.prefix[:n], self.prefix[n:]
            return n
        data = self.raw.read(len(view))
        view[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


class Opened:
    """A source opened for reading: decompressed stream, sniffed head, hashing underneath."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.raw = source.open_raw()
        self.magic = self.raw.read(4)
        self.counting = Counting(self.raw, self.magic)
        self.gzipped = self.magic[:2] == b"\x1f\x8b"
        self.stream: BinaryIO = io.BufferedReader(self.counting, BLOCK_BYTES)
        if self.gzipped:
            self.stream = GzipStream(self.stream)  # type: ignore[assignment]
        self.error: str | None = None
        self.splitter = LineSplitter()
        self.head = self._read(SNIFF_BYTES)

    def _read(self, n: int) -> bytes:
        try:
            return self.stream.read(n)
        except (EOFError, zlib.error, OSError) as exc:
            if self.error is None:
                self.error = _describe(exc, self.gzipped)
            return b""

    def blocks(self) -> Iterator[bytes]:
        """The decompressed bytes in blocks, the sniffed head first."""
        if self.head:
            yield self.head
        while True:
            block = self._read(BLOCK_BYTES)
            if not block:
                return
            yield block

    def line_blocks(self) -> Iterator[tuple[int, bytes, int]]:
        """(number of the first line, bytes of whole lines, number of lines) per block.

        Line ends are LF, CRLF or CR, handed on as LF; over-long lines are left out (see `lines`)
        and listed in `long_lines`, for the caller to reject."""
        for block in self.blocks():
            yield from self.splitter.feed(block)
        yield from self.splitter.finish()

    @property
    def long_lines(self) -> list[LongLine]:
        return self.splitter.long_lines

    @property
    def bytes_read(self) -> int:
        return self.counting.bytes_read

    def close(self) -> None:
        self.raw.close()


class GzipStream:
    """Streaming gunzip that hands out everything decodable before a cut or a corrupt byte.

    (The standard GzipFile raises on a truncated file and loses the last block it was decoding.)
    Concatenated gzip members are read one after another. Output is inflated at most
    `INFLATE_BYTES` at a time, so memory stays bounded whatever the compression ratio.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.inflate = zlib.decompressobj(wbits=31)
        self.pending = b""
        self.tail = b""  # compressed input not yet inflated
        self.ended = False
        self.error: Exception | None = None

    def read(self, n: int = -1) -> bytes:
        while not self.ended and (n < 0 or len(self.pending) < n):
            self._inflate_more()
        if n < 0:
            out, self.pending = self.pending, b""
        else:
            out, self.pending = self.pending[:n], self.pending[n:]
        if not out and self.ended and self.error:
            raise self.error
        return out

    def _inflate_more(self) -> None:
        data = self.tail or self.raw.read(BLOCK_BYTES)
        if not data:
            self.ended = True
            if not self.inflate.eof:
                self.error = EOFError("truncated gzip")
            return
        try:
            if self.inflate.eof:  # the next member of a concatenated gzip
                self.inflate = zlib.decompressobj(wbits=31)
            self.pending += self.inflate.decompress(data, INFLATE_BYTES)
            self.tail = self.inflate.unused_data if self.inflate.eof else self.inflate.unconsumed_tail
        except zlib.error as exc:
            self.ended, self.error = True, exc


def _describe(exc: BaseException, gzipped: bool) -> str:
    if isinstance(exc, EOFError):
        return "truncated gzip: the compressed stream ends early; the records before the cut were read"
    if gzipped:
        return f"corrupt gzip data ({exc}); the records before it were read"
    return f"read error ({exc})"
