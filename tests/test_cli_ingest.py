"""End to end through the `shadowfleet` command: real files in, counts, errors and store out."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cli import ingest_json, run
from conftest import AIS, SAMPLES, shared
from shadowfleet.core.schema import POSITIONS, REJECTS, STATIC

KEYS = {"read", "accepted", "duplicates", "rejected", "files"}


def _accounted(report: dict[str, object]) -> None:
    assert report.keys() >= KEYS
    assert report["read"] == report["accepted"] + report["duplicates"] + report["rejected"]  # type: ignore[operator]
    for f in report["files"]:  # type: ignore[attr-defined]
        assert f["read"] == f["accepted"] + f["duplicates"] + f["rejected"], f


def test_every_shared_ais_file_is_accounted_for(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = ingest_json(shared("ais"), "--store", store)
    _accounted(first)
    by_name = {Path(f["path"]).name: f for f in first["files"]}
    for name, f in by_name.items():
        if name.endswith((".nmea", ".ais", ".txt", ".gz", ".log", ".aivdm", ".csv", ".gpkg")):
            assert f["format"] in ("nmea", "csv", "gpkg"), (name, f["error"])
    assert by_name["marinecadastre_AIS_2022_01_03_first99999rows.csv"]["accepted"] == 99996
    assert by_name["SolentAIS_20160112_130211.csv"]["read"] == 18623
    assert by_name["aisabnormal_ais-sample_20131112.txt.gz"]["accepted"] > 20000
    assert by_name["trajectools_ais_dk_cpa_20170705.gpkg"]["accepted"] == 255
    assert by_name["trajectools_ais_boston_20140101.gpkg"]["accepted"] == 972
    second = ingest_json(shared("ais"), "--store", store)
    _accounted(second)
    assert second["accepted"] == 0 and second["read"] == first["read"]


def test_human_summary_and_info(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = run("ingest", SAMPLES, "--store", store)
    assert result.returncode == 0, result.stderr
    assert "total" in result.stdout and str(store.resolve()) in result.stdout
    info = run("info", "--store", store)
    assert info.returncode == 0 and "positions" in info.stdout and "rejects by reason" in info.stdout
    data = json.loads(run("info", "--store", store, "--json").stdout)
    assert data["positions"] > 40000 and data["vessels"] > 1000 and len(data["sources"]) == 5


def test_store_files_match_the_declared_schemas(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingest_json(SAMPLES, "--store", store)
    for spec in (POSITIONS, STATIC, REJECTS):
        files = list((store / spec.name).rglob("*.parquet"))
        assert files, spec.name
        for path in files:
            assert pq.read_schema(path).remove_metadata() == spec.schema, path
    dates = {p.parent.name for p in (store / "positions").rglob("*.parquet")}
    assert dates == {
        "date=2010-06-11",
        "date=2013-11-12",
        "date=2016-01-12",
        "date=2018-02-08",
        "date=2023-01-11",
    }
    manifest = json.loads((store / "manifest.json").read_text())
    assert all(len(s["sha256"]) == 64 and s["first_ts"] for s in manifest["sources"])


def test_rejects_keep_file_line_reason_and_raw(tmp_path: Path) -> None:
    store = tmp_path / "store"
    path = tmp_path / "mixed.nmea"
    good = "\\c:1420030798*00\\!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"
    path.write_text(f"{good}\nhello world\n{good[:-2]}00\n")
    report = ingest_json(path, "--store", store)
    assert (report["read"], report["accepted"], report["rejected"]) == (3, 1, 2)
    rejects = pq.read_table(store / "rejects").to_pylist()
    got = {(r["line"], r["reason"], r["raw"]) for r in rejects}
    assert got == {(2, "non_ais", "hello world"), (3, "checksum", good[:-2] + "00")}
    assert all(r["source"] == str(path.resolve()) and len(r["source_sha256"]) == 64 for r in rejects)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02garbage" * 100, "binary data"),
        (b"just some text\nthat is not AIS\n", "not a recognised AIS format"),
        (b"a,b,c\n1,2,3\n", "not a recognised AIS format"),
        (b"", "empty file"),
    ],
)
def test_unreadable_files_give_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.dat"
    path.write_bytes(content)
    result = run("ingest", path, "--store", tmp_path / "store")
    assert result.returncode == 1  # nothing could be read
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(path.resolve()) in lines[0] and message in lines[0], result.stderr


def test_missing_path_and_wrong_columns(tmp_path: Path) -> None:
    result = run("ingest", tmp_path / "nope.nmea", "--store", tmp_path / "store")
    assert result.returncode == 1 and "nope.nmea: no such file or directory" in result.stderr
    csv = tmp_path / "wrong.csv"
    csv.write_text("MMSI,when,LAT,LON\n1,2,3,4\n")
    result = run("ingest", csv, "--store", tmp_path / "store")
    assert result.returncode == 1 and "wrong.csv: line 1: wrong columns: nothing for ts" in result.stderr
    assert "--columns ts=HEADER" in result.stderr
    fixed = ingest_json(csv, "--store", tmp_path / "store", "--columns", "ts=when")
    assert fixed["accepted"] == 0 and fixed["rejected"] == 1  # '2' is no time: rejected, not lost


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("nothing here\n")
    result = run(
        "ingest",
        bad,
        SAMPLES / "noaa_marinecadastre_20230111_1000rows.csv",
        "--store",
        tmp_path / "s",
        "--json",
    )
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["accepted"] == 1000 and len(report["errors"]) == 1


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    data = (SAMPLES / "dma_aisabnormal_20131112.nmea.gz").read_bytes()
    path = tmp_path / "cut.nmea.gz"
    path.write_bytes(data[: len(data) // 2])
    result = run("ingest", path, "--store", tmp_path / "store", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0
    (f,) = report["files"]
    assert f["accepted"] > 5000 and "truncated gzip" in f["error"]
    _accounted(report)


def test_zip_and_gzip_members(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(SAMPLES / "noaa_marinecadastre_20230111_1000rows.csv", "noaa.csv")
        z.write(SAMPLES / "dma_aislib_stream_20100611.nmea", "dma.nmea")
    gz = tmp_path / "solent.csv.gz"
    gz.write_bytes(gzip.compress((SAMPLES / "solent_stonesoup_20160112.csv").read_bytes()))
    report = ingest_json(archive, gz, "--store", tmp_path / "store")
    names = sorted(Path(f["path"]).name for f in report["files"])
    assert names == ["bundle.zip::dma.nmea", "bundle.zip::noaa.csv", "solent.csv.gz"]
    assert report["files"][-1]["accepted"] == 18620


def test_start_option_times_untimed_logs(tmp_path: Path) -> None:
    log = AIS / "nmea" / "gpsd" / "ais-raw-messages.log"
    untimed = ingest_json(shared("ais", "nmea", "gpsd", "ais-raw-messages.log"), "--store", tmp_path / "a")
    assert untimed["accepted"] == 0
    timed = ingest_json(log, "--store", tmp_path / "b", "--start", "2023-05-07T12:00:00Z")
    assert timed["accepted"] > 80
    bad = run("ingest", log, "--store", tmp_path / "c", "--start", "yesterday")
    assert bad.returncode == 2 and "--start 'yesterday' is not an ISO-8601 time" in bad.stderr


def test_parquet_in_the_canonical_schema(tmp_path: Path) -> None:
    first = tmp_path / "first"
    ingest_json(SAMPLES / "solent_stonesoup_20160112.csv", "--store", first)
    (part,) = (first / "positions").rglob("*.parquet")
    report = ingest_json(part, "--store", tmp_path / "second")
    assert report["files"][0]["format"] == "parquet" and report["accepted"] == 18620
    again = pq.read_table(tmp_path / "second" / "positions").to_pylist()
    assert {r["source"] for r in again} == {str((SAMPLES / "solent_stonesoup_20160112.csv").resolve())}


def test_version_and_help() -> None:
    assert run("--version").stdout.startswith("shadowfleet ")
    assert "ingest" in run("--help").stdout


def test_one_bad_file_among_real_ones_costs_only_itself(tmp_path: Path) -> None:
    """Five real files and one 80-byte bad one: exit 0, the five ingested, the bad one's one-line story."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in (
        "csv/dma/mobiml_test_aisdk_20180208_sample.csv",
        "csv/marinecadastre/aisdb_test_data_noaa_20230111_1000rows.csv",
        "nmea/pyais/nmea_data_sample.txt",
        "nmea/libais/tagblock.nmea",
        "nmea/dma/aislib_replay_dump_20130318.txt",
    ):
        (folder / Path(name).name).write_bytes(shared("ais", name).read_bytes())
    # an ISO prefix in the year -1, an epoch-ms time in the year 10000: each used to raise
    # OverflowError and discard the whole run (exit 3, empty store)
    (folder / "zz_bad.nmea").write_bytes(b"-0001-01-01T00:00:00 !AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09\n")
    (folder / "zz_bad.csv").write_bytes(b"mmsi,ts,lat,lon\n367379190,253402300800000,30.37,-88.56\n")
    result = run("ingest", folder, "--store", tmp_path / "store", "--json", "--start", "2020-01-01T00:00:00Z")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert all(f["accepted"] > 0 for name, f in by_name.items() if not name.startswith("zz_bad"))
    for bad in ("zz_bad.nmea", "zz_bad.csv"):
        assert (by_name[bad]["read"], by_name[bad]["rejected"], by_name[bad]["error"]) == (1, 1, None)
    info = json.loads(run("info", "--store", tmp_path / "store", "--json").stdout)
    assert info["positions"] > 1000


def test_bad_utf8_csv_prints_no_traceback(tmp_path: Path) -> None:
    header = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft"
    row = "367379190,2022-01-03T00:00:00,30.3706,-88.56408,0.0,336.2,511,EAGLE,IMO8207721,WTD4583,31,0,28,11,3.3"
    path = tmp_path / "bad_utf8.csv"
    path.write_bytes(f"{header}\n{row}\n".encode() + b"367379190,\xff\xfe,1\n")
    result = run("ingest", path, "--store", tmp_path / "store", "--json")
    assert result.returncode == 0 and result.stderr == "", result.stderr  # was: Exception ignored in on_invalid
    assert json.loads(result.stdout)["read"] == 2


def test_damaged_geopackage_fails_alone(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    data = bytearray(shared("ais", "gpkg", "trajectools_ais_boston_20140101.gpkg").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\xff" * 4096  # a damaged page: used to raise sqlite3.DatabaseError, exit 3
    (folder / "cut.gpkg").write_bytes(bytes(data))
    (folder / "good.csv").write_bytes(shared("ais", "csv", "dma", "mobiml_test_aisdk_20180208_sample.csv").read_bytes())
    result = run("ingest", folder, "--store", tmp_path / "store", "--json")
    assert result.returncode == 0, result.stderr
    by_name = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert by_name["good.csv"]["accepted"] > 0
    error = by_name["cut.gpkg"]["error"]
    assert error and "\n" not in error and "cut.gpkg" in error
