"""Property tests: whatever pyais encodes, we decode to the same values; bit fields round-trip."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyais
from hypothesis import given, settings
from hypothesis import strategies as st

from golden import decode_file
from shadowfleet.ingest.ais_bits import Payloads

SIXBIT = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"


def _armour(bits: str) -> str:
    bits += "0" * (-len(bits) % 6)
    out = []
    for i in range(0, len(bits), 6):
        v = int(bits[i : i + 6], 2)
        out.append(chr(v + 48 if v < 40 else v + 56))
    return "".join(out)


@given(st.lists(st.tuples(st.integers(1, 30), st.data()), min_size=1, max_size=8))
def test_uint_and_int_fields_round_trip(spec: list[tuple[int, st.DataObject]]) -> None:
    values = [(w, d.draw(st.integers(0, 2**w - 1))) for w, d in spec]
    bits = "".join(format(v, f"0{w}b") for w, v in values)
    payloads = Payloads(pl.Series([_armour(bits)]), np.zeros(1, np.int64))
    decoded = payloads.bits(np.array([0]), len(bits))
    start = 0
    for width, value in values:
        assert decoded.uint(start, width)[0] == value
        signed = value - (1 << width) if value >= 1 << (width - 1) else value
        assert decoded.sint(start, width)[0] == signed
        start += width


@given(st.text(alphabet=SIXBIT[1:], max_size=20))
def test_text_fields_round_trip(text: str) -> None:
    bits = "".join(format(SIXBIT.index(c), "06b") for c in text.ljust(20, "@"))
    payloads = Payloads(pl.Series([_armour(bits)]), np.zeros(1, np.int64))
    assert payloads.bits(np.array([0]), len(bits)).text(0, 20) == [text.rstrip() or None]


def _decode_sentences(sentences: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.nmea"
        path.write_text("\n".join(sentences) + "\n")
        positions, static, _ = decode_file(path)
    return positions.to_pylist(), static.to_pylist()


@settings(max_examples=60, deadline=None)
@given(
    mmsi=st.integers(1, 999_999_999),
    status=st.integers(0, 15),
    speed=st.integers(0, 1022),
    lon=st.integers(-180 * 600_000, 180 * 600_000),
    lat=st.integers(-90 * 600_000, 90 * 600_000),
    course=st.integers(0, 3599),
    heading=st.integers(0, 359),
)
def test_position_reports_encoded_by_pyais(
    mmsi: int, status: int, speed: int, lon: int, lat: int, course: int, heading: int
) -> None:
    data: dict[str, Any] = {
        "type": 1,
        "mmsi": mmsi,
        "status": status,
        "speed": speed / 10,
        "lon": lon / 600_000,
        "lat": lat / 600_000,
        "course": course / 10,
        "heading": heading,
    }
    positions, _ = _decode_sentences(pyais.encode_dict(data, talker_id="AI"))
    (row,) = positions
    assert row["mmsi"] == mmsi and row["nav_status"] == status and row["msg_type"] == 1
    assert round(row["lon"] * 600_000) == lon and round(row["lat"] * 600_000) == lat
    assert round(row["sog_kn"] * 10) == speed and round(row["cog_deg"] * 10) == course
    assert row["heading_deg"] == heading


NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", min_size=1, max_size=20).map(str.strip).filter(bool)


@settings(max_examples=40, deadline=None)
@given(
    mmsi=st.integers(1, 999_999_999),
    imo=st.integers(1, 2**30 - 1),
    name=NAME,
    callsign=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=7),
    ship_type=st.sampled_from([20, 30, 36, 52, 60, 70, 79, 80, 84, 89, 90]),
    bow=st.integers(0, 511),
    port=st.integers(0, 63),
    draught=st.integers(1, 255),
    destination=NAME,
)
def test_static_reports_encoded_by_pyais(
    mmsi: int,
    imo: int,
    name: str,
    callsign: str,
    ship_type: int,
    bow: int,
    port: int,
    draught: int,
    destination: str,
) -> None:
    data: dict[str, Any] = {
        "type": 5,
        "mmsi": mmsi,
        "imo": imo,
        "shipname": name,
        "callsign": callsign,
        "ship_type": ship_type,
        "to_bow": bow,
        "to_stern": 10,
        "to_port": port,
        "to_starboard": 2,
        "draught": draught / 10,
        "destination": destination,
        "month": 0,
        "day": 0,
        "hour": 24,
        "minute": 60,
    }
    _, static = _decode_sentences(pyais.encode_dict(data, talker_id="AI"))
    (row,) = static
    assert (row["mmsi"], row["imo"], row["name"], row["callsign"]) == (mmsi, imo, name, callsign)
    assert row["ship_type"] == ship_type and row["length_m"] == bow + 10 and row["beam_m"] == port + 2
    assert round(row["draught_m"] * 10) == draught and row["destination"] == destination
    assert row["eta"] is None
