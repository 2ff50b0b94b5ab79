"""`serve` and `users`: the REST API and web map, and the keys that open them."""

from __future__ import annotations

from typing import Annotated

import typer

from shadowfleet.api.auth import ROLES, add_user, users
from shadowfleet.api.serving import GuardedH11Protocol, ServeLimits, descriptor_budget, log_config
from shadowfleet.cli.common import StoreOption, err, fail, out
from shadowfleet.store.store import Store, StoreError

users_app = typer.Typer(help="API users and their keys (viewers read; analysts also decide on alerts).")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    store: StoreOption,
    role: Annotated[str, typer.Option(help=f"{' or '.join(ROLES)}.")] = "viewer",
) -> None:
    """Make a user (or renew an existing user's key); the key is printed once and stored only hashed."""
    try:
        key = add_user(Store.open(store), name, role)
    except (ValueError, StoreError) as exc:
        raise fail(str(exc)) from exc
    err.print(f"user {name} ({role}); keep this key, it is not shown again:", highlight=False)
    print(key)


@users_app.command("list")
def users_list(store: StoreOption) -> None:
    """Users and roles (never keys)."""
    try:
        known = users(Store.open(store))
    except StoreError as exc:
        raise fail(str(exc)) from exc
    for u in known:
        out.print(f"{u.name}\t{u.role}\tsince {u.created}", highlight=False)


def serve_command(
    store: StoreOption,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    cors_origin: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allow a browser origin (CORS is closed by default).")
    ] = None,
    max_connections: Annotated[
        int, typer.Option(min=1, help="Open connections per worker; more are refused at once.")
    ] = ServeLimits.max_connections,
    header_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a client has to send a request's headers.")
    ] = ServeLimits.header_timeout_s,
    body_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a client has to send a request's body.")
    ] = ServeLimits.body_timeout_s,
) -> None:
    """The REST API (OpenAPI at /docs) and the web map at /, for one store. In production put it behind a
    reverse proxy (see the README); the limits here keep slow or greedy clients from exhausting it."""
    import os

    import uvicorn

    try:
        opened = Store.open(store)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    if not users(opened):
        err.print(f"[yellow]no user yet[/yellow]: `shadowfleet users add NAME --role analyst --store {store}`")
    budget = descriptor_budget(max_connections)
    if budget.connections < max_connections:
        err.print(f"[yellow]{max_connections} connections need more open files than {budget.open_files}[/yellow]: "
                  f"capped at {budget.connections} (raise `ulimit -n`)")  # fmt: skip
    limits = ServeLimits(
        max_connections=budget.connections, header_timeout_s=header_timeout, body_timeout_s=body_timeout
    )
    os.environ.update(limits.to_env())  # the worker processes read them
    os.environ["SHADOWFLEET_SERVE_STORE"] = str(opened.root.resolve())
    os.environ["SHADOWFLEET_SERVE_CORS"] = ",".join(cors_origin or [])
    out.print(f"shadowfleet on http://{host}:{port}/ (API docs at /docs) for {opened.root}", highlight=False)
    uvicorn.run(
        "shadowfleet.api.server:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=GuardedH11Protocol,
        limit_concurrency=limits.max_connections + 1,  # connections are capped by the protocol; this caps tasks
        timeout_keep_alive=limits.keep_alive_s,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        backlog=budget.backlog,
        timeout_graceful_shutdown=10,
        log_level="warning",
        log_config=log_config(),
    )
