"""Live NMEA feeds over TCP (connect to a receiver or aggregator) or UDP (listen on a port).

The bytes arrive in whatever pieces the network gives; `FeedReader.read` hands them on as whole
lines with the time they were received, which is the time of reception for sentences that carry
no time of their own.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

from shadowfleet.core.lines import LineSplitter, LongLine

_URL = re.compile(r"^(tcp|udp)://([^:/\s]*):(\d{1,5})$")
RECV_BYTES = 1 << 16


class FeedError(Exception):
    """A one-line problem reaching a feed."""


@dataclass(frozen=True)
class Feed:
    scheme: str
    host: str
    port: int

    @property
    def name(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def slug(self) -> str:
        """A file-name-safe form of the feed's address."""
        return f"{self.scheme}_{self.host or 'any'}_{self.port}".replace(":", "_")


def parse_feed(text: str) -> Feed | None:
    """`tcp://host:port` or `udp://[host]:port`; None for anything else (a path)."""
    match = _URL.match(text)
    return Feed(match[1], match[2], int(match[3])) if match else None


class FeedReader:
    def __init__(self, feed: Feed, connect_timeout_s: float = 10.0) -> None:
        self.feed = feed
        self.ended = False
        # Whole lines, CR or LF ended, none longer than MAX_LINE_BYTES: a sender that never sends a
        # line end cannot grow memory. Over-long lines are listed in `splitter.long_lines`.
        self.splitter = LineSplitter()
        self.block_first_line = 1  # the splitter's number of the first line of the last block
        try:
            if feed.scheme == "tcp":
                self.sock = socket.create_connection((feed.host or "127.0.0.1", feed.port), connect_timeout_s)
            else:
                self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.sock.bind((feed.host or "0.0.0.0", feed.port))
        except OSError as exc:
            raise FeedError(f"{feed.name}: cannot {'connect' if feed.scheme == 'tcp' else 'listen'} ({exc})") from exc

    def read(self, until: float, max_wait_s: float = 1.0) -> Iterator[tuple[bytes, int]]:
        """(whole lines, µs received) until the monotonic deadline `until` or the end of the feed."""
        while not self.ended and time.monotonic() < until:
            self.sock.settimeout(max(0.01, min(max_wait_s, until - time.monotonic())))
            try:
                data = self.sock.recv(RECV_BYTES)
            except TimeoutError:
                continue
            except OSError:
                data = b""
            received = time.time_ns() // 1000
            blocks = self.splitter.feed(data)
            if not data and self.feed.scheme == "tcp":  # the sender closed the connection
                self.ended = True
                blocks = self.splitter.finish()
            for first, whole, _count in blocks:
                self.block_first_line = first
                yield whole, received

    def take_long_lines(self, first_line: int) -> list[LongLine]:
        """Over-long lines of the last block, numbered from `first_line` (the caller's number for its start)."""
        shift = first_line - self.block_first_line
        taken = [LongLine(x.line + shift, x.size, x.head, x.limit) for x in self.splitter.long_lines]
        self.splitter.long_lines.clear()
        return taken

    def close(self) -> None:
        self.sock.close()
