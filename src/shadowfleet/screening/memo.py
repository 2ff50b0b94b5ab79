"""`cached`: functools.cached_property without its lock.

Python 3.11's cached_property takes a lock on every first access (about 0.8 us against 0.3 us here); a
query's key reads a dozen forms once each, so the lock was a few per cent of a screen. The first value
is stored in the instance's __dict__, which then answers every later access (as cached_property does;
frozen dataclasses included). Nothing here is shared between threads before it is computed: a race
computes a form twice, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar, overload

T = TypeVar("T")


class cached(Generic[T]):  # noqa: N801  (used as a decorator, like cached_property)
    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> T | Self:
        if obj is None:
            return self
        value = self.func(obj)
        obj.__dict__[self.name] = value
        return value
