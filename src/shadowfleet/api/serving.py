"""How `serve` holds up against slow and greedy clients, below what a reverse proxy does in production.

uvicorn has a keep-alive timeout and a concurrency limit, but no deadline for a request's headers and no
cap on open connections: 900 clients sending a header byte now and then held 900 sockets for as long as
they liked, and past the file-descriptor limit every accept failed and logged a traceback. Here:

- `GuardedH11Protocol` closes a connection whose request headers are not complete `header_timeout_s`
  after it opened (or after its previous response), and refuses connections beyond `max_connections`
  at once, so slow clients cannot pile up. (Slow bodies are cut off by `BodyLimit` in the app.)
- `RateLimitFilter` lets through a few records of each kind per window and counts the rest, so a storm
  of identical errors costs a line per window instead of a disk.
- `descriptor_budget` raises the soft open-files limit to the hard one and keeps the connection cap
  below it, with room for the store's own files.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

ENV_MAX_CONNECTIONS = "SHADOWFLEET_SERVE_MAX_CONNECTIONS"
ENV_HEADER_TIMEOUT = "SHADOWFLEET_SERVE_HEADER_TIMEOUT"
ENV_BODY_TIMEOUT = "SHADOWFLEET_SERVE_BODY_TIMEOUT"
DESCRIPTORS_KEPT = 64  # for the store's Parquet files, DuckDB, logs and the listening socket
_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_log = logging.getLogger("uvicorn.error")


@dataclass(frozen=True)
class ServeLimits:
    max_connections: int = 256
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    keep_alive_s: int = 5
    max_header_bytes: int = 16 * 1024

    @classmethod
    def from_env(cls) -> ServeLimits:
        """As `serve` handed them to its worker processes."""
        default = cls()
        return cls(
            max_connections=int(os.environ.get(ENV_MAX_CONNECTIONS, default.max_connections)),
            header_timeout_s=float(os.environ.get(ENV_HEADER_TIMEOUT, default.header_timeout_s)),
            body_timeout_s=float(os.environ.get(ENV_BODY_TIMEOUT, default.body_timeout_s)),
        )

    def to_env(self) -> dict[str, str]:
        return {
            ENV_MAX_CONNECTIONS: str(self.max_connections),
            ENV_HEADER_TIMEOUT: str(self.header_timeout_s),
            ENV_BODY_TIMEOUT: str(self.body_timeout_s),
        }


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline and a connection cap."""

    limits: ClassVar[ServeLimits | None] = None
    _header_timer: asyncio.TimerHandle | None = None
    _refused = False
    _received = False

    @classmethod
    def _limits(cls) -> ServeLimits:
        if cls.limits is None:
            cls.limits = ServeLimits.from_env()
        return cls.limits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        cap = self._limits().max_connections
        if len(self.connections) >= cap:
            self._refused = True
            transport.abort()  # no answer, no descriptor held, no traceback
            _log.warning("connection refused: %d connections open, the cap is %d", len(self.connections), cap)
            return
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        if not self._refused:
            super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._received = True
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # headers still incomplete, or a keep-alive request begun
            self._await_headers()
        else:
            self._stop_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._received = False  # the keep-alive timer runs until the next request's first byte

    def _await_headers(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self._limits().header_timeout_s, self._headers_late)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self._received:
            self.transport.write(_TIMED_OUT)
        self.transport.close()


class RateLimitFilter(logging.Filter):
    """At most `burst` records of one kind (logger, message template, exception type) per `window_s`, and
    `total` of all kinds; the first record of a kind after a quiet spell says how many were dropped."""

    def __init__(
        self, burst: int = 5, total: int = 50, window_s: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.burst, self.total, self.window_s, self.clock = burst, total, window_s, clock
        self._window_start = clock()
        self._counts: dict[tuple[str, str, str], int] = {}
        self._dropped: dict[tuple[str, str, str], int] = {}
        self._passed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        if now - self._window_start >= self.window_s:
            self._window_start, self._counts, self._passed = now, {}, 0
        error = record.exc_info[0] if record.exc_info else None
        kind = (record.name, str(record.msg), error.__name__ if error else "")
        seen = self._counts.get(kind, 0)
        self._counts[kind] = seen + 1
        if seen >= self.burst or self._passed >= self.total:
            self._dropped[kind] = self._dropped.get(kind, 0) + 1
            return False
        self._passed += 1
        if dropped := self._dropped.pop(kind, 0):
            record.msg = f"{record.msg} ({dropped} more like this were not logged)"
        return True


def log_config(burst: int = 5, total: int = 50, window_s: float = 10.0) -> dict[str, Any]:
    """uvicorn's logging, every handler rate-limited, asyncio's loop errors through the same handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"rate": {"()": RateLimitFilter, "burst": burst, "total": total, "window_s": window_s}}
    for handler in config["handlers"].values():
        handler["filters"] = ["rate"]
    config["loggers"]["asyncio"] = {"handlers": ["default"], "level": "WARNING", "propagate": False}
    return config


@dataclass(frozen=True)
class Budget:
    connections: int
    backlog: int  # also how many connections asyncio accepts in one go, before any refused one is closed
    open_files: int


def descriptor_budget(wanted_connections: int) -> Budget:
    """Connections and listen backlog that fit in the open-files limit, after raising its soft value as far
    as allowed: the held connections, one burst of accepted ones and the server's own files stay below it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    room = max(2, soft - DESCRIPTORS_KEPT)
    connections = max(1, min(wanted_connections, room // 2))
    return Budget(connections, max(1, min(2048, room - connections)), soft)
