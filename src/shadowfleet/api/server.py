"""The app factory uvicorn imports in each worker process (the store comes from the environment)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from shadowfleet.api.app import create_app


def app() -> FastAPI:
    origins = tuple(o for o in os.environ.get("SHADOWFLEET_SERVE_CORS", "").split(",") if o)
    return create_app(Path(os.environ["SHADOWFLEET_SERVE_STORE"]), origins)
