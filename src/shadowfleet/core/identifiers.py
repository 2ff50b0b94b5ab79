"""Identifier rules every layer shares: MMSI formats and MIDs (ITU-R M.585), IMO check digits, the DPRK flag."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
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


# MIDs of the United States (ITU table: 338, 366-369; 303 is Alaska)
US_MIDS = frozenset({303, 338, 366, 367, 368, 369})
# US Coast Guard official (documentation) numbers of US vessels: 7 digits since they passed 999,999 in the
# 1990s, about 1.3 M by 2022 (real MarineCadastre 2022-01-03: 55 US vessels send 1,041,355-1,427,288 in the
# IMO field, none with a valid IMO check digit)
USCG_OFFICIAL_NUMBERS = range(1_000_000, 2_000_000)


def uscg_official_number(imo: int, mmsi: int) -> bool:
    """An IMO field that fails the check digit and reads as a US Coast Guard official number of a US vessel:
    the documentation number typed where the IMO belongs, not a forged IMO."""
    return mid_of(mmsi) in US_MIDS and imo in USCG_OFFICIAL_NUMBERS and not imo_valid(imo)


def mmsi_problem(mmsi: int) -> str | None:
    """Why an MMSI cannot belong to a ship station, or None (ITU-R M.585)."""
    if not 100_000_000 <= mmsi <= 999_999_999:
        return f"MMSI {mmsi} has {len(str(mmsi))} digits, not 9"
    if 2 <= mmsi // 100_000_000 <= 7 and mmsi // 1_000_000 not in mid_table():
        return f"MMSI {mmsi}: MID {mmsi // 1_000_000} is allocated to no flag administration"
    return None


class MmsiFormat(StrEnum):
    """The station kinds of ITU-R M.585-9 (reference.md §7, "MMSI formats"), read from the nine digits."""

    SHIP = "ship station (MIDxxxxxx)"
    GROUP = "group of ships (0MIDxxxxx)"
    COAST = "coast station (00MIDxxxx)"
    SAR_AIRCRAFT = "SAR aircraft (111MIDxxx)"
    HANDHELD = "handheld VHF (8MIDxxxxx)"
    PARENT_CRAFT = "craft associated with a parent ship (98MIDxxxx)"
    ATON = "aid to navigation (99MIDxxxx)"
    SART = "AIS-SART (970xxyyyy)"
    MOB = "man-overboard device (972xxyyyy)"
    EPIRB = "EPIRB-AIS (974xxyyyy)"
    PLACEHOLDER = "placeholder"
    NONE = "no ITU-R M.585 format"


# Well-known junk MMSIs: what a transponder sends when nobody configured it (reference.md §7)
_PLACEHOLDERS = frozenset({0, 111_111_111, 123_456_789, 999_999_999})
# leading digits -> (format, position of the MID in the nine digits, or None where the format has none)
_PREFIXES: tuple[tuple[str, MmsiFormat, int | None], ...] = (
    ("00", MmsiFormat.COAST, 2),
    ("0", MmsiFormat.GROUP, 1),
    ("111", MmsiFormat.SAR_AIRCRAFT, 3),
    ("8", MmsiFormat.HANDHELD, 1),
    ("970", MmsiFormat.SART, None),
    ("972", MmsiFormat.MOB, None),
    ("974", MmsiFormat.EPIRB, None),
    ("98", MmsiFormat.PARENT_CRAFT, 2),
    ("99", MmsiFormat.ATON, 2),
)


@dataclass(frozen=True)
class MmsiKind:
    format: MmsiFormat
    mid: int | None  # the MID the format carries, if any
    mid_allocated: bool  # whether that MID belongs to a flag administration (True where there is none)

    @property
    def ship(self) -> bool:
        return self.format is MmsiFormat.SHIP and self.mid_allocated


def mmsi_kind(mmsi: int) -> MmsiKind:
    """The ITU-R M.585 format of an MMSI as transmitted (an integer: leading zeros are implied)."""
    if mmsi in _PLACEHOLDERS:
        return MmsiKind(MmsiFormat.PLACEHOLDER, None, True)
    if not 0 < mmsi <= 999_999_999:
        return MmsiKind(MmsiFormat.NONE, None, True)
    digits = f"{mmsi:09d}"
    if "2" <= digits[0] <= "7":
        return MmsiKind(MmsiFormat.SHIP, int(digits[:3]), int(digits[:3]) in mid_table())
    for prefix, kind, at in _PREFIXES:
        if digits.startswith(prefix):
            mid = None if at is None else int(digits[at : at + 3])
            return MmsiKind(kind, mid, mid is None or mid in mid_table())
    return MmsiKind(MmsiFormat.NONE, None, True)


def non_ship_problem(mmsi: int) -> tuple[MmsiFormat, str] | None:
    """The format of an MMSI that is not a ship station's, and why it is not; None for a ship station
    (whose MID `mmsi_problem` checks)."""
    kind = mmsi_kind(mmsi)
    if kind.format is MmsiFormat.SHIP:
        return None
    if kind.format is MmsiFormat.NONE:
        return kind.format, f"MMSI {mmsi} fits no ITU-R M.585 format"
    if kind.format is MmsiFormat.PLACEHOLDER:
        return kind.format, f"MMSI {mmsi:09d} is a placeholder that unconfigured transponders send"
    mid = "" if kind.mid is None else f", MID {kind.mid:03d}" + ("" if kind.mid_allocated else " (unallocated)")
    return kind.format, f"MMSI {mmsi:09d} has the {kind.format.value} format{mid}, not a ship station's"
