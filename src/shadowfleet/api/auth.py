"""API users and their keys. A key is shown once when made and kept only as its SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from shadowfleet.store import layout
from shadowfleet.store.manifest import write_atomic
from shadowfleet.store.store import Store

USERS_FILE = layout.USERS
ROLES = ("viewer", "analyst")  # viewers read; analysts also decide on alerts
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    key_sha256: str
    created: str

    @property
    def analyst(self) -> bool:
        return self.role == "analyst"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def users(store: Store) -> list[User]:
    path = store.root / USERS_FILE
    if not path.exists():
        return []
    return [User(**u) for u in json.loads(path.read_text(encoding="utf-8"))["users"]]


def add_user(store: Store, name: str, role: str) -> str:
    """Make a user (or give an existing one a new key and role); returns the key, which is not stored."""
    if role not in ROLES:
        raise ValueError(f"role {role!r}: use {' or '.join(ROLES)}")
    if not _NAME.match(name):
        raise ValueError(f"user name {name!r}: letters, digits and _ . @ - only, at most 64")
    key = "sf_" + secrets.token_urlsafe(32)
    with store.lock():
        kept = [u for u in users(store) if u.name != name]
        kept.append(User(name, role, _hash(key), datetime.now(UTC).isoformat(timespec="seconds")))
        write_atomic(store.root / USERS_FILE, {"users": [asdict(u) for u in kept]})
    return key


def authenticate(known: list[User], key: str | None) -> User | None:
    if not key:
        return None
    digest = _hash(key)
    return next((u for u in known if hmac.compare_digest(u.key_sha256, digest)), None)
