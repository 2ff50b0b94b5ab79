"""Golden tests: our decodes of real NMEA logs against gpsd's, libais' and pyais' expectations.

Every message type that shadowfleet stores (1, 2, 3, 5, 18, 19, 24, 27) is compared field by
field after projecting both sides to ITU-R M.1371 raw integers. Deliberate differences are
handled, with their reason, in `_expected`; `KNOWN` holds any single record that differs (none
today); anything else fails.

Positions and type 5 are compared both ways (we decode exactly what the others decode). Type 24 is
compared one way (each expected part A or B is in our output) because we join parts A and B into
one row, and gpsd stays silent on some reports that we decode: `ais-18-27.log` holds 69 part A
reports (names such as SUOKKI) each followed by a report with part number 3, which ITU-R M.1371
does not define. gpsd prints no type-24 report for that file at all; we keep the 69 names and
reject the 69 part-3 sentences as `malformed`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyais
import pyarrow as pa
import pytest

from conftest import shared
from golden import decode_file

Record = tuple[Any, ...]
POSITION_TYPES = {1, 2, 3, 18, 19, 27}
STORED_TYPES = POSITION_TYPES | {5, 24}


def _raw(value: float | None, scale: float, na: int) -> int:
    return na if value is None else round(value * scale)


def _ours(positions: pa.Table, static: pa.Table) -> set[Record]:
    """Our decoded rows as raw-unit tuples, in the same shape as `_expected`."""
    out: set[Record] = set()
    for r in positions.to_pylist():
        t = r["msg_type"]
        if t == 27:
            out.add(
                (
                    27,
                    r["mmsi"],
                    r["nav_status"],
                    _raw(r["lon"], 600, 108600),
                    _raw(r["lat"], 600, 54600),
                    _raw(r["sog_kn"], 1, 63),
                    _raw(r["cog_deg"], 1, 511),
                )
            )
            continue
        head = (t, r["mmsi"], r["nav_status"]) if t <= 3 else (t, r["mmsi"])
        out.add(
            (
                *head,
                _raw(r["sog_kn"], 10, 1023),
                _raw(r["lon"], 600000, 108600000),
                _raw(r["lat"], 600000, 54600000),
                _raw(r["cog_deg"], 10, 3600),
                _raw(r["heading_deg"], 1, 511),
            )
        )
    for r in static.to_pylist():
        size = (r["length_m"] or 0, r["beam_m"] or 0)
        if r["msg_type"] == 5:
            out.add(
                (
                    5,
                    r["mmsi"],
                    r["imo"] or 0,
                    r["callsign"],
                    r["name"],
                    r["ship_type"] or 0,
                    *size,
                    _raw(r["draught_m"], 10, 0),
                    r["destination"],
                )
            )
        elif r["msg_type"] == 19:
            out.add((19, r["mmsi"], r["name"], r["ship_type"] or 0, *size))
        else:  # a joined type-24 row answers for part A and for part B
            out.add((24, "A", r["mmsi"], r["name"]))
            out.add((24, "B", r["mmsi"], r["ship_type"] or 0, r["callsign"], *size))
    return out


def _text(value: str | None) -> str | None:
    return (value or "").rstrip("@ ").split("@")[0].rstrip() or None


def _expected(msg: dict[str, Any]) -> Record | None:
    """Project one gpsd/libais/pyais JSON decode (unscaled units) to our tuple shape.

    Known, deliberate differences: a heading of 360-510 or a course above 360.0 is outside
    ITU-R M.1371's range; the others keep the raw number, we store null ('not available').
    A position off the globe (|lat| > 90 or |lon| > 180, other than 91/181) is decoded by the
    others; we reject it (reason `out_of_range`), so it is not expected here.
    """
    t = msg["type"]
    if "lat" in msg and _off_globe(t, msg["lat"], msg["lon"]):
        return None
    if "heading" in msg and 359 < msg["heading"] < 511:
        msg = dict(msg, heading=511)
    if t != 27 and "course" in msg and msg["course"] > 3600:
        msg = dict(msg, course=3600)
    if t in (1, 2, 3):
        return (
            t,
            msg["mmsi"],
            msg["status"],
            msg["speed"],
            msg["lon"],
            msg["lat"],
            msg["course"],
            msg["heading"],
        )
    if t in (18, 19):
        return (t, msg["mmsi"], msg["speed"], msg["lon"], msg["lat"], msg["course"], msg["heading"])
    if t == 27:
        return (27, msg["mmsi"], msg["status"], msg["lon"], msg["lat"], msg["speed"], msg["course"])
    size = (msg.get("to_bow", 0) + msg.get("to_stern", 0), msg.get("to_port", 0) + msg.get("to_starboard", 0))
    if t == 5:
        return (
            5,
            msg["mmsi"],
            int(msg["imo"]),
            _text(msg["callsign"]),
            _text(msg["shipname"]),
            msg["shiptype"],
            *size,
            msg["draught"],
            _text(msg["destination"]),
        )
    if t == 24 and "shipname" in msg:
        return (24, "A", msg["mmsi"], _text(msg["shipname"]))
    if t == 24 and "shiptype" in msg:
        return (24, "B", msg["mmsi"], msg["shiptype"], _text(msg["callsign"]), *size)
    return None


def _off_globe(msg_type: int, lat: int, lon: int) -> bool:
    scale = 600 if msg_type == 27 else 600000
    return (abs(lat) > 90 * scale and lat != 91 * scale) or (abs(lon) > 180 * scale and lon != 181 * scale)


def _static19(msg: dict[str, Any]) -> Record:
    size = (msg["to_bow"] + msg["to_stern"], msg["to_port"] + msg["to_starboard"])
    return (19, msg["mmsi"], _text(msg["shipname"]), msg["shiptype"], *size)


def _gpsd_json(chk: Path) -> Iterator[dict[str, Any]]:
    for line in chk.read_text(encoding="utf-8").splitlines():
        if line.startswith('{"class":"AIS"'):
            yield json.loads(line)


def _expected_set(messages: Iterator[dict[str, Any]]) -> set[Record]:
    out: set[Record] = set()
    for msg in messages:
        rec = _expected(msg)
        if rec is not None:
            out.add(rec)
        if msg["type"] == 19:
            out.add(_static19(msg))
    return out


# (file, record) -> why the other decoder and we differ. Each was checked by hand against the spec.
KNOWN: dict[tuple[str, Record], str] = {}

GPSD = [
    ("ais-18-27.log", "ais-18-27.log.chk"),
    ("ais-nmea-type6-fid55.log", "ais-nmea-type6-fid55.log.chk"),
    ("ais-nmea.log", "ais-nmea.log.chk"),
    ("ais-raw-messages.log", "ais-raw-messages.log.chk"),
    ("ais_unpack_sixbit.log", "ais_unpack_sixbit.log.chk"),
    ("sample.aivdm", "sample.aivdm.ju.chk"),  # the JSON-unscaled twin of sample.aivdm.chk
]


def _close(a: Record, b: Record, tolerance: int) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, int) and isinstance(y, int) and not isinstance(x, bool):
            if abs(x - y) > tolerance:
                return False
        elif x != y:
            return False
    return True


def _compare(name: str, ours: set[Record], expected: set[Record], tolerance: int = 0) -> None:
    """Every expected record is ours; every position or type-5 record of ours is expected.

    `tolerance` (raw units) absorbs expectations stored as float32 degrees (libais): at 160° a
    float32 step is ~9 raw units (1/600000°).
    """

    def found(record: Record, pool: set[Record]) -> bool:
        return record in pool or (tolerance > 0 and any(_close(record, o, tolerance) for o in pool))

    missing = {e for e in expected if not found(e, ours) and (name, e) not in KNOWN}
    extra = {o for o in ours if o[0] in POSITION_TYPES | {5} and not found(o, expected) and (name, o) not in KNOWN}
    assert not missing, f"{name}: expected but not decoded: {sorted(missing, key=str)[:5]}"
    assert not extra, f"{name}: decoded but not expected: {sorted(extra, key=str)[:5]}"


@pytest.mark.parametrize(("log", "chk"), GPSD)
def test_gpsd_golden(log: str, chk: str) -> None:
    positions, static, _ = decode_file(shared("ais", "nmea", "gpsd", log))
    expected = _expected_set(_gpsd_json(shared("ais", "nmea", "gpsd", chk)))
    assert expected, "no expectations read"
    _compare(log, _ours(positions, static), expected)


def _libais_json(path: Path) -> Iterator[dict[str, Any]]:
    """libais expectations are scaled (degrees, knots): back to raw integers."""
    for line in path.read_text(encoding="utf-8").splitlines():
        msg = json.loads(line)
        t = msg["type"]
        if t in (1, 2, 3, 18, 19):
            msg["lat"], msg["lon"] = _raw(msg["lat"], 600000, 0), _raw(msg["lon"], 600000, 0)
            msg["speed"] = _raw(msg["speed"], 10, 1023)
            msg["course"] = _raw(msg["course"], 10, 3600)
        elif t == 27:
            msg["lat"], msg["lon"] = _raw(msg["lat"], 600, 0), _raw(msg["lon"], 600, 0)
        elif t == 5:
            msg["draught"] = _raw(msg["draught"], 10, 0)
        yield msg


@pytest.mark.parametrize("stem", ["typeexamples", "tagblock"])
def test_libais_golden(stem: str) -> None:
    positions, static, _ = decode_file(shared("ais", "nmea", "libais", f"{stem}.nmea"))
    expected = _expected_set(_libais_json(shared("ais", "nmea", "libais", f"{stem}.json")))
    assert expected
    _compare(f"{stem}.nmea", _ours(positions, static), expected, tolerance=10)


def _pyais_messages(path: Path) -> Iterator[dict[str, Any]]:
    for msg in pyais.FileReaderStream(str(path)):
        try:
            decoded = msg.decode().asdict()
        except Exception:  # pyais raises its own errors for broken messages, which we reject too
            continue
        t = decoded["msg_type"]
        if t not in STORED_TYPES:
            continue
        yield _pyais_to_raw(decoded)


def _pyais_to_raw(d: dict[str, Any]) -> dict[str, Any]:
    t = d["msg_type"]
    out = dict(d, type=t)
    if t in (1, 2, 3, 18, 19):
        out["lat"], out["lon"] = round(d["lat"] * 600000), round(d["lon"] * 600000)
        out["speed"], out["course"] = round(d["speed"] * 10), round(d["course"] * 10)
    elif t == 27:
        out["lat"], out["lon"] = round(d["lat"] * 600), round(d["lon"] * 600)
    if t in (1, 2, 3, 27):
        out["status"] = int(d["status"])
    if t == 5:
        out["draught"] = round(d["draught"] * 10)
    if t in (5, 19, 24) and "ship_type" in d:
        out["shiptype"] = int(d["ship_type"])
    if "shipname" not in d and "partno" in d and d["partno"] == 0:
        out["shipname"] = d.get("shipname")
    return out


@pytest.mark.parametrize("name", ["gatehouse.nmea", "messages.ais", "nmea_data_sample.txt", "timestamped.ais"])
def test_pyais_golden(name: str) -> None:
    path = shared("ais", "nmea", "pyais", name)
    positions, static, _ = decode_file(path)
    expected = _expected_set(_pyais_messages(path))
    assert expected
    _compare(name, _ours(positions, static), expected)
