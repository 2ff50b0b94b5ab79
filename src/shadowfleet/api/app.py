"""The REST API and the web map it serves: `create_app(store)`, run by `shadowfleet serve`.

Everything but `/api/health` needs an API key (`X-API-Key` header or `Authorization: Bearer`);
viewers read, analysts also decide on alerts. No endpoint takes a file path: case files are made
from a vessel number, so nothing can walk out of the store. CORS stays closed unless origins are
given; request bodies over 64 KiB or slower than 30 s are refused, and so are JSON values no response
could carry (NaN, lone surrogates). Every answer has a content security policy and no-sniff,
no-frame headers.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from shadowfleet import __version__
from shadowfleet.api import errors
from shadowfleet.api.data import StoreData
from shadowfleet.api.headers import SecurityHeaders
from shadowfleet.api.limits import BodyLimit
from shadowfleet.api.routes import alerts, events, meta, vessels

MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_S = 30.0


def create_app(store_root: Path, cors_origins: tuple[str, ...] = (), body_timeout_s: float = BODY_TIMEOUT_S) -> FastAPI:
    app = FastAPI(
        title="shadowfleet",
        version=__version__,
        description="AIS events, vessels, risk, alerts, screening, case files and the UNSCR 2397 cap tracker.",
    )
    app.state.data = StoreData(store_root)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, body_timeout_s=body_timeout_s)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
        )
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, the 413s and 408s included
    for module in (meta, events, vessels, alerts):
        app.include_router(module.router)
    errors.install(app, store_root)

    static = resources.files("shadowfleet.api").joinpath("static")
    app.mount("/", StaticFiles(directory=str(static), html=True), name="web")
    return app
