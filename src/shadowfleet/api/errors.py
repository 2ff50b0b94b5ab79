"""Error responses that can always be sent: a 422 names the field and echoes the input only when it can be
encoded as JSON; a 409 from the store never shows the server's file system."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shadowfleet.store.store import StoreError

_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/`'\"():]+/)*[^\s/`'\"():]+")


def install(app: FastAPI, store_root: Path) -> None:
    roots = sorted({str(store_root), str(store_root.resolve())}, key=len, reverse=True)

    @app.exception_handler(RequestValidationError)
    def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": [_error(e) for e in exc.errors()]}, status_code=422)

    @app.exception_handler(StoreError)
    def store_error(_: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": without_paths(str(exc), roots)}, status_code=409)


def without_paths(message: str, roots: list[str]) -> str:
    """The store's own path becomes `STORE`, any other absolute path `PATH`."""
    for root in roots:
        message = message.replace(root, "STORE")
    return _ABSOLUTE_PATH.sub("PATH", message)


def _error(error: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "loc": [part if isinstance(part, int) else _text(part) for part in error.get("loc", ())],
        "msg": _text(error.get("msg", "")),
        "type": _text(error.get("type", "")),
    }
    if "input" in error and _encodable(error["input"]):
        found["input"] = error["input"]
    return found


def _text(value: Any) -> str:
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):
        return False
    return True
