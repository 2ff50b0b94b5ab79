"""NMEA line framing and assembly: log variants, timing, checksums, fragments, accounting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowfleet.core.schema import STATIC
from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.nmea_lines import NO_TS, LineBlock, LineFramer, xor_checksums
from shadowfleet.ingest.nmea_reader import read_nmea
from shadowfleet.ingest.pipeline import parse_start
from shadowfleet.ingest.rejects import Rejects

POS = "!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"  # type 1, MMSI 367587834 (pyais gatehouse sample)
TYPE5 = (
    "!AIVDM,2,1,9,B,55R3Vn82=ILTQ3KKS>1<D60Dq@E918U<F222221J1`?164vc03S1CCAD,0*2A",
    "!AIVDM,2,2,9,B,`88888888888880,2*76",
)
T0 = 1_420_030_798  # 2014-12-31T12:59:58Z
START = (T0 - 3600) * 1_000_000  # a `--start` inside the AIS era (times outside it are rejects)


def frame(text: str, fallback: int = NO_TS) -> tuple[pl.DataFrame, Rejects]:
    rejects = Rejects()
    out = LineFramer(fallback).frame(LineBlock(text.encode(), 1), rejects)
    return out, rejects


def chunks(text: str, block_lines: int = 1000, start: int = NO_TS) -> list[Chunk]:
    lines = text.encode().split(b"\n")
    blocks = []
    for i in range(0, len(lines), block_lines):
        part = lines[i : i + block_lines]
        blocks.append((i + 1, b"\n".join(part) + b"\n", len(part)))
    return list(read_nmea(iter(blocks), "test.nmea", start))


def test_xor_checksums_match_nmea() -> None:
    body = POS[1 : POS.index("*")]
    assert xor_checksums(pl.Series([body, "", None])).tolist() == [0x09, 0, 0]


def test_tag_block_time_and_station() -> None:
    out, rejects = frame(f"\\s:rORBCOMM104,c:{T0}*00\\{POS}")
    assert out["ts"].to_list() == [T0 * 1_000_000]
    assert out["station"].to_list() == ["rORBCOMM104"]
    assert out["checksum_ok"].to_list() == [True]
    assert not len(rejects)


def test_tag_block_with_wrong_checksum_is_rejected() -> None:
    out, rejects = frame(f"\\c:{T0}*7F\\{POS}")
    assert out.height == 0
    assert rejects.reasons == ["tag_checksum"]


def test_pghp_line_times_the_next_sentence_only() -> None:
    text = f"$PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,62*26\n{POS}\n{POS}"
    out, _ = frame(text)
    assert out["ts"].to_list()[0] == parse_start("2013-11-12T12:00:00.011")
    assert out["station"].to_list() == ["2190067", None]
    assert out["ts"].to_list()[1] is None


def test_prefix_and_suffix_times() -> None:
    text = "\n".join(
        [
            f"2014-12-31T12:59:58Z {POS}",
            f"{T0} {POS}",
            f"{POS},{T0}",
            f"{POS},d-109,S2105,t050056.00,T56.13,r003669946,{T0},{T0 - 59}",
        ]
    )
    out, _ = frame(text)
    assert out["ts"].to_list() == [T0 * 1_000_000] * 4
    assert out["station"].to_list()[3] == "r003669946"


def test_start_option_is_the_last_resort() -> None:
    out, _ = frame(POS, fallback=42)
    assert out["ts"].to_list() == [42]


def test_timing_line_at_block_end_carries_to_next_block() -> None:
    text = f"{POS}\n\\s:X,c:{T0}*00\\\n{POS}"
    result = chunks(text, block_lines=2, start=START)
    ts = [c.positions.cols["ts"].to_pylist() for c in result if len(c.positions)]
    assert ts == [[START], [T0 * 1_000_000]]


def test_non_ais_checksum_and_comment_lines() -> None:
    text = "\n".join(["# comment", "", "$GPRMC,1,2,3*00", POS[:-2] + "00", POS.split("*", maxsplit=1)[0], POS])
    result = chunks(text, start=START)
    reasons = sorted(r for c in result for r in c.rejects.reasons)
    assert reasons == ["checksum", "checksum", "non_ais"]
    assert sum(c.records for c in result) == 4  # comments and blank lines are not records


def test_two_sentence_message_is_assembled_and_counted_twice() -> None:
    result = chunks("\n".join(TYPE5), start=START)
    static = [c.static for c in result if len(c.static)]
    assert len(static) == 1
    table = static[0].table(STATIC)
    assert table.column("name").to_pylist() == ["SEA ENTERPRISE"]
    assert table.column("imo").to_pylist() == [9266633]
    assert sum(c.records for c in result) == 2


def test_fragments_split_across_blocks() -> None:
    result = chunks("\n".join(TYPE5), block_lines=1, start=START)
    assert sum(len(c.static) for c in result) == 1


def test_orphan_fragments_are_rejected() -> None:
    result = chunks("\n".join([TYPE5[1], TYPE5[0]]), start=START)
    reasons = sorted(r for c in result for r in c.rejects.reasons)
    assert reasons == ["incomplete", "incomplete"]
    assert sum(c.records for c in result) == 2


def with_checksum(sentence: str) -> str:
    body = sentence[1 : sentence.index("*")]
    return f"!{body}*{int(xor_checksums(pl.Series([body]))[0]):02X}"


def test_multi_station_copies_count_as_duplicates() -> None:
    copy = with_checksum(POS.replace("AIVDM", "BSVDM"))
    text = "\n".join([f"\\c:{T0}*00\\{POS}", f"\\c:{T0 + 1}*00\\{copy}", f"\\c:{T0 + 600}*00\\{POS}"])
    result = chunks(text)
    assert sum(c.duplicates for c in result) == 1  # heard twice within a second: one transmission
    assert sum(len(c.positions) for c in result) == 2  # the same payload ten minutes later is new
    assert sum(c.rejects.weight for c in result) == 0


def test_untimed_sentences_are_rejected_with_reason() -> None:
    result = chunks(POS)
    assert [r for c in result for r in c.rejects.reasons] == ["no_timestamp"]


GOOD_LINES = [f"\\c:{T0}*00\\{POS}", *TYPE5, "$PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,62*26", POS]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(GOOD_LINES),
            st.sampled_from(GOOD_LINES).flatmap(lambda s: st.integers(0, len(s)).map(lambda i: s[:i])),
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
            st.text(alphabet="äöü€漢!$\\*,", min_size=1, max_size=20),  # non-ASCII: never blank, never AIS
        ),
        max_size=60,
    ),
    st.integers(1, 7),
)
def test_any_input_is_accounted_for_without_crashing(lines: list[str], block_lines: int) -> None:
    result = chunks("\n".join(lines), block_lines=block_lines, start=START)
    counted = sum(c.records for c in result)
    non_records = sum(1 for line in lines if not line.strip() or line.strip().startswith("#"))
    timing_only = sum(1 for line in lines if line.strip().startswith("$PGHP") or _tag_only(line.strip()))
    assert counted == len(lines) - non_records - timing_only


def _tag_only(line: str) -> bool:
    return (
        line.startswith("\\")
        and line.count("\\") >= 2
        and line.rstrip().endswith("\\")
        and line.index("\\", 1) == len(line) - 1
    )


# --- hostile input (issue 13) -------------------------------------------------------------------


def _ingest(path: Path, store: Path, start: str | None = None) -> dict[str, Any]:
    from shadowfleet.ingest.pipeline import IngestOptions, ingest

    report: dict[str, Any] = ingest([path], store, IngestOptions(start_us=parse_start(start))).to_json()
    return report


def test_real_dma_log_with_cr_line_ends_is_read(tmp_path: Path) -> None:
    from conftest import shared

    data = shared("ais", "nmea", "dma", "aislib_stream_example_20100611.txt").read_bytes()
    path = tmp_path / "cr.txt"
    path.write_bytes(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r"))  # used to read 0 records, no error
    report = _ingest(path, tmp_path / "store")
    assert report["read"] == 4500 and report["accepted"] > 3800 and report["errors"] == []


def test_fragment_whose_partner_is_in_the_next_short_block(tmp_path: Path) -> None:
    """The first fragment near the end of the 64 KiB sniffed head, its partner in a short second
    block: rejecting the joined message used to gather a line outside the block and stop the file."""
    from conftest import shared

    lines = shared("ais", "nmea", "dma", "aislib_stream_example_20100611.txt").read_bytes().split(b"\n")
    first = next(i for i, line in enumerate(lines) if b",2,1," in line and b",2,2," in lines[i + 1])
    pair = lines[first : first + 2]
    singles = [line for line in lines if b",1,1," in line]
    tail = b"".join(s + b"\n" for s in singles[:20])
    head = b""
    while len(head) + 200 + len(pair[0]) + len(tail) < 64 << 10:
        head += singles[len(head) % 97] + b"\n"
    pad = (64 << 10) - len(head) - len(pair[0]) - 1 - len(tail)
    head += b"#" + b"x" * (pad - 2) + b"\n" + pair[0] + b"\n" + tail
    assert len(head) == 64 << 10
    path = tmp_path / "frag.txt"
    path.write_bytes(head + b"\n".join([pair[1], *singles[:3]]) + b"\n")
    report = _ingest(path, tmp_path / "store")  # no --start: the joined message is rejected untimed
    records = len([line for line in path.read_bytes().split(b"\n") if line and not line.startswith(b"#")])
    assert report["errors"] == [] and report["read"] == records
    assert report["rejected"] == records


def test_times_outside_the_ais_era_are_rejected_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "era.nmea"
    path.write_text(
        "\n".join(
            [
                f"\\c:{T0}*00\\{POS}",
                f"-0001-01-01T00:00:00 {POS}",  # used to raise OverflowError and discard the run
                f"9999-12-31T23:59:59 {POS}",
                f"\\c:253402300800000*00\\{POS}",  # epoch ms in the year 10000
                f"\\c:{T0 + 60}*00\\{POS}",
            ]
        )
        + "\n"
    )
    report = _ingest(path, tmp_path / "store")
    assert (report["read"], report["accepted"], report["errors"]) == (5, 2, [])
    rejects = pl.read_parquet(tmp_path / "store" / "rejects" / "*.parquet").sort("line")
    assert rejects["line"].to_list() == [2, 3, 4]
    assert set(rejects["reason"]) <= {"implausible_time", "no_timestamp"}
    assert "implausible_time" in set(rejects["reason"])


def test_long_line_is_one_reject_and_reading_goes_on(tmp_path: Path) -> None:
    from shadowfleet.core.lines import MAX_LINE_BYTES

    path = tmp_path / "long.nmea"
    good = f"\\c:{T0}*00\\{POS}\n"
    path.write_bytes(good.encode() + b"!" * (3 * MAX_LINE_BYTES) + b"\n" + good.replace(str(T0), str(T0 + 60)).encode())
    report = _ingest(path, tmp_path / "store")
    assert (report["read"], report["accepted"], report["rejected"]) == (3, 2, 1)
    rejects = pl.read_parquet(tmp_path / "store" / "rejects" / "*.parquet")
    assert rejects.select("line", "reason").rows() == [(2, "line_too_long")]


def test_gzip_of_newlines_is_inflated_in_bounded_blocks(tmp_path: Path) -> None:
    import gzip

    from shadowfleet.ingest.sources import INFLATE_BYTES, GzipStream, Opened, expand

    path = tmp_path / "bomb.nmea.gz"
    path.write_bytes(gzip.compress(f"\\c:{T0}*00\\{POS}\n".encode() + b"\n" * (48 << 20), compresslevel=9))
    (source,), _ = expand([path])
    opened = Opened(source)
    held = 0  # bytes inflated and waiting in the stream, at the most
    try:
        for _ in opened.blocks():
            held = max(held, len(getattr(opened.stream, "pending", b"")))
    finally:
        opened.close()
    assert isinstance(opened.stream, GzipStream)
    assert held <= INFLATE_BYTES  # before the cap, all 48 MiB were inflated at once
    report = _ingest(path, tmp_path / "store")
    assert (report["read"], report["accepted"]) == (1, 1)
