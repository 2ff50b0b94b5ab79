"""The REST API and the web map it serves: `create_app(store)`, run by `shadowfleet serve`.

Everything but `/api/health` needs an API key (`X-API-Key` header or `Authorization: Bearer`);
viewers read, analysts also decide on alerts. No endpoint takes a file path: case files are made
from a vessel number, so nothing can walk out of the store. CORS stays closed unless origins are
given; request bodies over 64 KiB are refused.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from shadowfleet import __version__
from shadowfleet.api.data import StoreData
from shadowfleet.api.limits import BodyLimit
from shadowfleet.api.routes import alerts, events, meta, vessels
from shadowfleet.store.store import StoreError

MAX_BODY_BYTES = 64 * 1024


def create_app(store_root: Path, cors_origins: tuple[str, ...] = ()) -> FastAPI:
    app = FastAPI(
        title="shadowfleet",
        version=__version__,
        description="AIS events, vessels, risk, alerts, screening, case files and the UNSCR 2397 cap tracker.",
    )
    app.state.data = StoreData(store_root)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
        )
    for module in (meta, events, vessels, alerts):
        app.include_router(module.router)

    @app.exception_handler(StoreError)
    def store_error(_: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    static = resources.files("shadowfleet.api").joinpath("static")
    app.mount("/", StaticFiles(directory=str(static), html=True), name="web")
    return app
