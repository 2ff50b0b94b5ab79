"""Declared bit layouts of the AIS messages shadowfleet stores (ITU-R M.1371-5).

One entry per field: name, first bit, width, kind ('u' unsigned, 'i' signed, 't' six-bit text
with width in characters). Decoding is generic (`decode_layout`); the tables are the spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from shadowfleet.ingest.ais_bits import PayloadBits


@dataclass(frozen=True)
class Field:
    name: str
    start: int
    width: int
    kind: Literal["u", "i", "t"] = "u"

    @property
    def end(self) -> int:
        return self.start + self.width * (6 if self.kind == "t" else 1)


@dataclass(frozen=True)
class Layout:
    name: str
    fields: tuple[Field, ...]

    @property
    def min_bits(self) -> int:
        """Bits a payload needs so that every declared field is present."""
        return max(f.end for f in self.fields)


_HEAD = (Field("mmsi", 8, 30),)

POSITION_A = Layout(  # types 1, 2, 3: class A position report
    "position report class A",
    (
        *_HEAD,
        Field("status", 38, 4),
        Field("speed", 50, 10),
        Field("lon", 61, 28, "i"),
        Field("lat", 89, 27, "i"),
        Field("course", 116, 12),
        Field("heading", 128, 9),
    ),
)

POSITION_B = Layout(  # type 18: standard class B position report
    "position report class B",
    (
        *_HEAD,
        Field("speed", 46, 10),
        Field("lon", 57, 28, "i"),
        Field("lat", 85, 27, "i"),
        Field("course", 112, 12),
        Field("heading", 124, 9),
    ),
)

POSITION_B_EXTENDED = Layout(  # type 19: extended class B report, position and static in one
    "extended position report class B",
    (
        *POSITION_B.fields,
        Field("shipname", 143, 20, "t"),
        Field("shiptype", 263, 8),
        Field("to_bow", 271, 9),
        Field("to_stern", 280, 9),
        Field("to_port", 289, 6),
        Field("to_starboard", 295, 6),
    ),
)

LONG_RANGE = Layout(  # type 27: long-range (satellite) broadcast, coarse units
    "long-range position report",
    (
        *_HEAD,
        Field("status", 40, 4),
        Field("lon", 44, 18, "i"),
        Field("lat", 62, 17, "i"),
        Field("speed", 79, 6),
        Field("course", 85, 9),
    ),
)

STATIC_VOYAGE = Layout(  # type 5: static and voyage related data, two sentences
    "static and voyage data",
    (
        *_HEAD,
        Field("imo", 40, 30),
        Field("callsign", 70, 7, "t"),
        Field("shipname", 112, 20, "t"),
        Field("shiptype", 232, 8),
        Field("to_bow", 240, 9),
        Field("to_stern", 249, 9),
        Field("to_port", 258, 6),
        Field("to_starboard", 264, 6),
        Field("month", 274, 4),
        Field("day", 278, 5),
        Field("hour", 283, 5),
        Field("minute", 288, 6),
        Field("draught", 294, 8),
        Field("destination", 302, 20, "t"),
    ),
)

STATIC_24A = Layout("static data report part A", (*_HEAD, Field("partno", 38, 2), Field("shipname", 40, 20, "t")))

STATIC_24B = Layout(
    "static data report part B",
    (
        *_HEAD,
        Field("partno", 38, 2),
        Field("shiptype", 40, 8),
        Field("callsign", 90, 7, "t"),
        Field("to_bow", 132, 9),
        Field("to_stern", 141, 9),
        Field("to_port", 150, 6),
        Field("to_starboard", 156, 6),
    ),
)

PART_NUMBER = Layout("static data report", (*_HEAD, Field("partno", 38, 2)))

DECODED_TYPES = {1, 2, 3, 5, 18, 19, 24, 27}

TYPE_NAMES = {
    4: "base station report",
    6: "binary addressed message",
    7: "binary acknowledge",
    8: "binary broadcast message",
    9: "SAR aircraft position",
    10: "UTC/date inquiry",
    11: "UTC/date response",
    12: "addressed safety message",
    13: "safety acknowledge",
    14: "safety broadcast message",
    15: "interrogation",
    16: "assignment mode command",
    17: "DGNSS broadcast",
    20: "data link management",
    21: "aid-to-navigation report",
    22: "channel management",
    23: "group assignment command",
    25: "single slot binary message",
    26: "multiple slot binary message",
}

Columns = dict[str, "np.ndarray | list[str | None]"]


def decode_layout(bits: PayloadBits, layout: Layout) -> Columns:
    out: Columns = {}
    for f in layout.fields:
        if f.kind == "t":
            out[f.name] = bits.text(f.start, f.width)
        elif f.kind == "i":
            out[f.name] = bits.sint(f.start, f.width)
        else:
            out[f.name] = bits.uint(f.start, f.width)
    return out
