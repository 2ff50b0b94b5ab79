"""Request bodies are read whole before the app sees them, within a size and a time limit.

Over `max_bytes` (declared or, for a chunked body, counted) is a 413; a body that takes longer than
`body_timeout_s` to arrive is a 408, so a client sending a byte a second cannot hold a worker; a JSON
body holding a value no response could carry back (see `json_guard`) is a 422 naming the field. The body
is then replayed to the app, which parses it as usual. Bodies here are small (64 KiB), so buffering is
cheap and bounded.
"""

from __future__ import annotations

import asyncio
import json
from email.message import Message as MimeMessage
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shadowfleet.api.json_guard import problem_of


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, body_timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _reply(send, 413, f"request body larger than {self.max_bytes} bytes")
            return
        try:
            async with asyncio.timeout(self.body_timeout_s):
                body, disconnected = await self._read(receive)
        except _TooLargeError:
            await _reply(send, 413, f"request body larger than {self.max_bytes} bytes")
            return
        except TimeoutError:
            await _reply(send, 408, f"request body not received within {self.body_timeout_s:g} s")
            return
        if disconnected:
            return
        if body and _is_json(headers.get(b"content-type")) and (problem := problem_of(body)) is not None:
            await _reply(send, 422, [problem.to_json()])
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"", True
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                raise _TooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False


class _TooLargeError(Exception):
    pass


def _is_json(content_type: bytes | None) -> bool:
    """As FastAPI decides whether to parse a body as JSON: no content type, or application/json or +json."""
    if content_type is None:
        return True
    mime = MimeMessage()
    mime["content-type"] = content_type.decode("latin-1")
    subtype = mime.get_content_subtype()
    return mime.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body once, then the real channel (so the app still hears a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reply(send: Send, status: int, detail: Any) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status in (408, 413):
        headers.append((b"connection", b"close"))  # the rest of the body is not read
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
