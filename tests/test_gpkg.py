"""GeoPackage point layers: the geometry blob parser and the real MovingPandas/QGIS samples."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import shared
from shadowfleet.core.schema import POSITIONS, STATIC
from shadowfleet.ingest.gpkg_reader import point, read_gpkg

COORD = st.floats(-180, 180, allow_nan=False)


def blob(x: float, y: float, little: bool, envelope: int, kind: int = 1) -> bytes:
    order = "<" if little else ">"
    flags = (envelope << 1) | (1 if little else 0)
    header = b"GP" + bytes([0, flags]) + struct.pack(f"{order}i", 4326)
    sizes = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
    wkb = bytes([1 if little else 0]) + struct.pack(f"{order}Idd", kind, x, y)
    return header + b"\0" * sizes[envelope] + wkb


@given(COORD, COORD, st.booleans(), st.sampled_from([0, 1, 2, 3, 4]))
def test_point_blobs_in_any_byte_order_and_envelope(x: float, y: float, little: bool, envelope: int) -> None:
    assert point(blob(x, y, little, envelope)) == (x, y)


def test_non_points_and_junk_give_no_position() -> None:
    assert point(blob(1, 2, True, 0, kind=2)) == (None, None)  # a line string
    assert point(b"not a geometry") == (None, None)
    assert point(None) == (None, None)


@pytest.mark.parametrize(
    ("name", "rows", "vessels"),
    [
        ("trajectools_ais_boston_20140101.gpkg", 972, 4),
        ("trajectools_ais_dk_cpa_20170705.gpkg", 255, 2),
    ],
)
def test_real_geopackages(name: str, rows: int, vessels: int) -> None:
    path = str(shared("ais", "gpkg", name))
    chunks = list(read_gpkg(path, path))
    positions = [r for c in chunks for r in c.positions.table(POSITIONS).to_pylist()]
    assert len(positions) == rows and len({r["mmsi"] for r in positions}) == vessels
    assert all(-90 <= r["lat"] <= 90 and -180 <= r["lon"] <= 180 for r in positions)
    assert sorted(r["line"] for r in positions) == list(range(1, rows + 1))
    if "dk_cpa" in name:
        names = {r["name"] for c in chunks for r in c.static.table(STATIC).to_pylist()}
        assert names == {"STENA JUTLANDICA", "TANKSKAR"}
