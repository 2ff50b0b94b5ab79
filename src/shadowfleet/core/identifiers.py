"""Identifier rules every layer shares: MMSI formats and MIDs (ITU-R M.585), IMO check digits, the DPRK flag."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

DPRK_MID = 445  # ITU MID of the Democratic People's Republic of Korea (reference.md §7, MMSI formats)


def mid_of(mmsi: int) -> int:
    """The MID of a ship-station MMSI (its first three digits)."""
    return mmsi // 1_000_000


def is_dprk(mmsi: int) -> bool:
    return mid_of(mmsi) == DPRK_MID


@cache
def mid_table() -> dict[int, str]:
    """ITU Maritime Identification Digits -> flag administration (ITU table, bundled)."""
    with resources.files("shadowfleet.reference").joinpath("mid_flags.csv").open(encoding="utf-8") as fh:
        return {int(r["MID"]): r["Allocated_to"] for r in csv.DictReader(fh)}


def imo_valid(imo: int) -> bool:
    """Ship IMO number check digit: sum(d1..d6 x 7..2) mod 10 == d7 (reference.md §1, "Identity")."""
    if not 1_000_000 <= imo <= 9_999_999:
        return False
    digits = [int(c) for c in str(imo)]
    return sum(d * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)) % 10 == digits[6]


def mmsi_problem(mmsi: int) -> str | None:
    """Why an MMSI cannot belong to a ship station, or None (ITU-R M.585)."""
    if not 100_000_000 <= mmsi <= 999_999_999:
        return f"MMSI {mmsi} has {len(str(mmsi))} digits, not 9"
    if 2 <= mmsi // 100_000_000 <= 7 and mmsi // 1_000_000 not in mid_table():
        return f"MMSI {mmsi}: MID {mmsi // 1_000_000} is allocated to no flag administration"
    return None
