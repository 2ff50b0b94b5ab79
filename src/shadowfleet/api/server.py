"""The app factory uvicorn imports in each worker process (the store and limits come from the environment)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from shadowfleet.api.app import create_app
from shadowfleet.api.serving import ServeLimits


def app() -> FastAPI:
    origins = tuple(o for o in os.environ.get("SHADOWFLEET_SERVE_CORS", "").split(",") if o)
    limits = ServeLimits.from_env()
    return create_app(Path(os.environ["SHADOWFLEET_SERVE_STORE"]), origins, body_timeout_s=limits.body_timeout_s)
