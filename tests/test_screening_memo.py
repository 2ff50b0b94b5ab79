"""The screener's lock-free cached forms and its build-time pause of the garbage collector."""

from __future__ import annotations

import gc
from dataclasses import dataclass

import pytest

from shadowfleet.screening.memo import cached
from shadowfleet.screening.names import PERSON, name_key
from shadowfleet.screening.screener import _collector_paused


@dataclass(frozen=True)
class _Counted:
    calls: list[int]

    @cached
    def form(self) -> int:
        self.calls.append(1)
        return len(self.calls)


def test_cached_computes_once_per_instance_of_a_frozen_dataclass() -> None:
    first, second = _Counted([]), _Counted([])
    assert (first.form, first.form, second.form) == (1, 1, 1)
    assert first.calls == [1] and second.calls == [1]
    assert isinstance(_Counted.__dict__["form"], cached)


def test_a_prepared_key_holds_every_form_and_compares_equal() -> None:
    key = name_key("Kim Jong Un", PERSON)
    key.prepare()
    assert {"spelt_set", "sound_letters", "backwards", "family", "abjad"} <= set(vars(key))
    assert key == name_key.__wrapped__("Kim Jong Un", PERSON)  # cached forms are not fields


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_comes_back_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(RuntimeError), _collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("a build that fails")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
