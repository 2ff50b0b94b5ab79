"""CSV readers: NOAA, DMA and mapped layouts; every bad row is rejected naming line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from shadowfleet.core.schema import POSITIONS, STATIC
from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.csv_layouts import detect, parse_mapping
from shadowfleet.ingest.csv_reader import read_csv
from shadowfleet.ingest.sources import InputError, Opened, expand

NOAA_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,"
    "TransceiverClass"
)
NOAA_ROW = "367379190,2022-01-03T00:00:00,30.3706,-88.56408,0.0,336.2,511,EAGLE,IMO8207721,WTD4583,31,0,28,11,3.3,52,A"


def read(path: Path, columns: dict[str, str] | None = None, time_format: str | None = None) -> list[Chunk]:
    (source,), _ = expand([path])
    opened = Opened(source)
    try:
        return list(read_csv(opened, source.name, columns, time_format))
    finally:
        opened.close()


def rows(chunks: list[Chunk]) -> list[dict[str, Any]]:
    return [r for c in chunks if len(c.positions) for r in c.positions.table(POSITIONS).to_pylist()]


def write(tmp_path: Path, text: str, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_noaa_row_to_canonical(tmp_path: Path) -> None:
    chunks = read(write(tmp_path, f"{NOAA_HEADER}\n{NOAA_ROW}\n"))
    (row,) = rows(chunks)
    assert row["mmsi"] == 367379190 and row["lat"] == 30.3706 and row["lon"] == -88.56408
    assert row["heading_deg"] is None  # 511 = not available
    assert row["nav_status"] == 0 and row["line"] == 2 and row["msg_type"] is None
    static = chunks[0].static.table(STATIC).to_pylist()
    assert static[0]["imo"] == 8207721 and static[0]["name"] == "EAGLE" and static[0]["draught_m"] == pytest.approx(3.3)
    assert static[0]["msg_type"] == 5  # TransceiverClass A: a class A identity (message 5)
    class_b = read(write(tmp_path, f"{NOAA_HEADER}\n{NOAA_ROW[:-1]}B\n", "b.csv"))
    assert class_b[0].static.table(STATIC).to_pylist()[0]["msg_type"] == 24  # class B (message 24)


def test_static_rows_only_when_identity_changes(tmp_path: Path) -> None:
    lines = [
        NOAA_ROW,
        NOAA_ROW.replace("00:00:00", "00:10:00"),
        NOAA_ROW.replace("00:00:00", "00:20:00").replace("3.3", "5.1"),
    ]
    chunks = read(write(tmp_path, NOAA_HEADER + "\n" + "\n".join(lines) + "\n"))
    drafts = [r["draught_m"] for c in chunks for r in c.static.table(STATIC).to_pylist()]
    assert drafts == [pytest.approx(3.3), pytest.approx(5.1)]


def test_bad_values_are_rejected_with_line_and_field(tmp_path: Path) -> None:
    bad_sog = NOAA_ROW.replace(",0.0,336.2", ",fast,336.2")
    off_globe = NOAA_ROW.replace("30.3706", "95.5")
    short = "367379190,2022-01-03T00:00:00,30.3"
    text = "\n".join([NOAA_HEADER, NOAA_ROW, bad_sog, "", off_globe, short, NOAA_ROW.replace("367379190", "")]) + "\n"
    chunks = read(write(tmp_path, text))
    frame = chunks[0].rejects.frame().sort("line")
    assert frame["line"].to_list() == [3, 5, 6, 7]
    assert frame["reason"].to_list() == ["bad_field", "out_of_range", "malformed", "bad_field"]
    details = frame["detail"].to_list()
    assert "'SOG' (sog_kn): 'fast' is not a number" in details[0]
    assert "lat 95.5" in details[1]
    assert "3 fields, the header has 17" in details[2]
    assert "'MMSI' (mmsi) is empty" in details[3]
    assert frame["raw"].to_list()[0] == bad_sog
    assert [r["line"] for r in rows(chunks)] == [2]
    assert sum(c.records for c in chunks) == 5  # the blank line is not a record


def test_dma_layout_words_and_non_vessels() -> None:
    chunks = read(SAMPLES / "dma_aisdk_20180208_10rows.csv")
    out = rows(chunks)
    assert len(out) == 10
    statuses = {r["mmsi"]: r["nav_status"] for r in out}
    assert statuses[244678000] == 1  # "At anchor"


def test_dma_base_station_row_is_not_a_vessel(tmp_path: Path) -> None:
    text = (SAMPLES / "dma_aisdk_20180208_10rows.csv").read_text().splitlines()
    text[2] = text[2].replace("Class A", "Base Station")
    chunks = read(write(tmp_path, "\n".join(text) + "\n"))
    assert chunks[0].rejects.reasons == ["not_a_vessel"]


def test_generic_csv_by_synonyms_with_milliseconds() -> None:
    chunks = read(SAMPLES / "solent_stonesoup_20160112.csv")
    out = rows(chunks)
    assert len(out) == 18623
    assert out[0]["ts"].isoformat() == "2016-01-12T13:02:11.218000+00:00"


def test_column_mapping_and_epoch_times(tmp_path: Path) -> None:
    path = write(tmp_path, "id,t,y,x\n123456789,1451606400,1.5,2.5\n")
    with pytest.raises(InputError, match="nothing for mmsi, ts"):
        read(path)
    (row,) = rows(read(path, parse_mapping("mmsi=id,ts=t,lat=y,lon=x")))
    assert row["ts"].isoformat() == "2016-01-01T00:00:00+00:00" and row["lon"] == 2.5


def test_explicit_time_format(tmp_path: Path) -> None:
    path = write(tmp_path, "mmsi,time,lat,lon\n123456789,03.01.2022 10:00,1,2\n")
    (row,) = rows(read(path, time_format="%d.%m.%Y %H:%M"))
    assert row["ts"].isoformat() == "2022-01-03T10:00:00+00:00"


def test_mapping_names_an_unknown_column() -> None:
    with pytest.raises(ValueError, match="no column 'nope'"):
        detect(["a", "b"], {"mmsi": "nope"})


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["ok", "bad_lat", "bad_time", "blank", "short"]), min_size=1, max_size=40))
def test_every_record_is_accounted_for(tmp_path_factory: pytest.TempPathFactory, kinds: list[str]) -> None:
    variants = {
        "ok": NOAA_ROW,
        "bad_lat": NOAA_ROW.replace("30.3706", "x"),
        "blank": "",
        "bad_time": NOAA_ROW.replace("2022-01-03T00:00:00", "yesterday"),
        "short": "1,2",
    }
    lines = [variants[k].replace("00:00:00", f"00:00:{i % 60:02d}") for i, k in enumerate(kinds)]
    path = write(tmp_path_factory.mktemp("csv"), NOAA_HEADER + "\n" + "\n".join(lines) + "\n")
    chunks = read(path)
    records = sum(1 for k in kinds if k != "blank")
    assert sum(c.records for c in chunks) == records
    rejected = sorted(line for c in chunks for line in c.rejects.frame()["line"].to_list())
    assert rejected == [i + 2 for i, k in enumerate(kinds) if k in ("bad_lat", "bad_time", "short")]


# --- hostile input (issue 13): every physical line accounted for, no value poisons the store -----

NOAA_1000 = "csv/marinecadastre/aisdb_test_data_noaa_20230111_1000rows.csv"


def _real_lines(tmp_path: Path) -> list[str]:
    from conftest import shared

    return shared("ais", NOAA_1000).read_text().splitlines()


def _rejects(chunks: list[Chunk]) -> list[tuple[int, str, str]]:
    return sorted((r["line"], r["reason"], r["detail"]) for c in chunks for r in c.rejects.frame().to_dicts())


def test_stray_quote_rejects_its_line_and_reading_resumes(tmp_path: Path) -> None:
    lines = _real_lines(tmp_path)
    fields = lines[5].split(",")
    fields[7] = '"' + fields[7]  # a quote that never closes: it used to swallow the next 562 rows
    lines[5] = ",".join(fields)
    chunks = read(write(tmp_path, "\n".join(lines) + "\n"))
    assert sum(c.records for c in chunks) == 1000
    assert [(line, reason) for line, reason, _ in _rejects(chunks)] == [(6, "unbalanced_quote")]
    assert len(rows(chunks)) == 999


def test_nan_time_rejects_its_row_naming_the_field(tmp_path: Path) -> None:
    lines = _real_lines(tmp_path)
    fields = lines[5].split(",")
    fields[1] = "NaN"  # used to end the file: read 0 and a 3 KB Polars expression as the error
    lines[5] = ",".join(fields)
    chunks = read(write(tmp_path, "\n".join(lines) + "\n"))
    assert sum(c.records for c in chunks) == 1000
    assert _rejects(chunks) == [(6, "bad_field", "field 'BaseDateTime' (ts): 'NaN' is not a time")]


@pytest.mark.parametrize("eta", ["NaN", "1e308", "31/02/2018 99:99:99"])
def test_dma_bad_eta_rejects_its_row_naming_the_field(tmp_path: Path, eta: str) -> None:
    lines = (SAMPLES / "dma_aisdk_20180208_10rows.csv").read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[3].split(",")
    fields[header.index("ETA")] = eta  # NaN used to end the file with a Polars cast error
    lines[3] = ",".join(fields)
    chunks = read(write(tmp_path, "\n".join(lines) + "\n"))
    assert sum(c.records for c in chunks) == 10
    if eta == "NaN":  # 'not available', as the file's other blanks
        assert _rejects(chunks) == [] and len(rows(chunks)) == 10
        return
    ((line, reason, detail),) = _rejects(chunks)
    assert (line, reason) == (4, "bad_field") and "'ETA' (eta)" in detail


def test_times_outside_the_ais_era_are_rejected(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    future = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    text = "\n".join(
        [
            NOAA_HEADER,
            NOAA_ROW,
            NOAA_ROW.replace("2022-01-03T00:00:00", "1989-12-31T23:59:59"),
            NOAA_ROW.replace("2022-01-03T00:00:00", future),
            NOAA_ROW.replace("2022-01-03T00:00:00", "253402300800000"),  # epoch ms in the year 10000
        ]
    )
    chunks = read(write(tmp_path, text + "\n"))
    reasons = [(line, reason) for line, reason, _ in _rejects(chunks)]
    assert reasons == [(3, "implausible_time"), (4, "implausible_time"), (5, "bad_field")]
    assert [r["line"] for r in rows(chunks)] == [2]


@pytest.mark.parametrize("end", ["\r", "\r\n"])
def test_cr_and_crlf_line_ends(tmp_path: Path, end: str) -> None:
    lines = _real_lines(tmp_path)
    path = tmp_path / "x.csv"
    path.write_bytes(end.join(lines).encode() + end.encode())
    chunks = read(path)
    assert sum(c.records for c in chunks) == 1000 and len(rows(chunks)) == 1000


def test_a_lone_cr_splits_one_row_in_two_lines(tmp_path: Path) -> None:
    lines = _real_lines(tmp_path)
    lines[5] = lines[5][:20] + "\r" + lines[5][20:]  # used to be `_csv.Error: new-line character seen`
    chunks = read(write(tmp_path, "\n".join(lines) + "\n"))
    assert sum(c.records for c in chunks) == 1001
    assert [(line, reason) for line, reason, _ in _rejects(chunks)] == [(6, "malformed"), (7, "malformed")]


def test_implausible_static_values_become_null_with_a_note(tmp_path: Path) -> None:
    header = NOAA_HEADER.split(",")
    lines = [NOAA_HEADER]
    values = ["NaN", "inf", "1e308", "-1", "600", "-inf"]
    for i, value in enumerate(values):
        fields = NOAA_ROW.split(",")
        fields[0] = str(367000001 + i)
        fields[header.index("Length")] = value
        fields[header.index("Draft")] = value if value != "600" else "31"
        lines.append(",".join(fields))
    chunks = read(write(tmp_path, "\n".join(lines) + "\n"))
    assert sum(c.records for c in chunks) == 6 and len(rows(chunks)) == 6  # every row kept
    static = [r for c in chunks for r in c.static.table(STATIC).to_pylist()]
    assert len(static) == 6 and all(r["length_m"] is None and r["draught_m"] is None for r in static)
    assert all(r["beam_m"] == 11 for r in static)  # the plausible value on the same row stays
    notes = _rejects(chunks)
    assert [(line, reason) for line, reason, _ in notes] == [(n, "value_nulled") for n in range(2, 8)]
    assert "length_m inf is not a plausible length (1-500 m)" in notes[1][2]
    assert "draught_m 31.0 is not a plausible draught (0-30 m)" in notes[4][2]
    assert all(c.rejects.weight == 0 for c in chunks)  # notes count no record: the rows were accepted
    raw = [r["raw"] for c in chunks for r in c.rejects.frame().to_dicts()]
    assert raw[2] == lines[3]  # the raw line, with the value as written


def test_bad_utf8_in_a_malformed_row_prints_no_traceback(tmp_path: Path) -> None:
    import sys

    seen: list[object] = []
    previous, sys.unraisablehook = sys.unraisablehook, seen.append
    try:
        path = tmp_path / "x.csv"
        path.write_bytes(f"{NOAA_HEADER}\n{NOAA_ROW}\n".encode() + b"367379190,\xff\xfe,1\n" + NOAA_ROW.encode())
        chunks = read(path)
    finally:
        sys.unraisablehook = previous
    assert seen == []  # was: Exception ignored in on_invalid ... UnicodeDecodeError
    assert sum(c.records for c in chunks) == 3 and len(rows(chunks)) == 2
