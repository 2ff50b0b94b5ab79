"""What every route depends on: the store's data and the caller, found from the API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shadowfleet.api.auth import User, authenticate
from shadowfleet.api.data import Snapshot, StoreData

_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key from `shadowfleet users add`")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token")


def store_data(request: Request) -> StoreData:
    data: StoreData = request.app.state.data
    return data


def snapshot(data: Annotated[StoreData, Depends(store_data)]) -> Snapshot:
    return data.get()


def current_user(
    data: Annotated[StoreData, Depends(store_data)],
    key: Annotated[str | None, Security(_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> User:
    found = authenticate(data.users(), key or (bearer.credentials if bearer else None))
    if found is None:
        raise HTTPException(401, "a valid API key is needed (X-API-Key header or Authorization: Bearer)")
    return found


def analyst(who: Annotated[User, Depends(current_user)]) -> User:
    if not who.analyst:
        raise HTTPException(403, f"user {who.name!r} is a viewer; deciding on alerts needs the analyst role")
    return who


Viewer = Annotated[User, Depends(current_user)]
Analyst = Annotated[User, Depends(analyst)]
Snap = Annotated[Snapshot, Depends(snapshot)]
Data = Annotated[StoreData, Depends(store_data)]
