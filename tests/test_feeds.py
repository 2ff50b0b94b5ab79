"""Live feeds over loopback: TCP from a local sender, UDP datagrams; archived raw bytes as evidence."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from cli import ingest_json
from conftest import SAMPLES
from shadowfleet.core.lines import normalise_line_ends
from shadowfleet.ingest.feeds import parse_feed

LOG = SAMPLES / "dma_aislib_stream_20100611.nmea"
UNTIMED = "!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09\n"


def test_parse_feed() -> None:
    feed = parse_feed("tcp://127.0.0.1:5631")
    assert feed is not None and (feed.scheme, feed.host, feed.port) == ("tcp", "127.0.0.1", 5631)
    udp = parse_feed("udp://:10110")
    assert udp is not None and udp.host == "" and udp.slug == "udp_any_10110"
    assert parse_feed("data/x.nmea") is None and parse_feed("tcp://host") is None


def _serve_once(data: bytes) -> int:
    server = socket.create_server(("127.0.0.1", 0))
    port = int(server.getsockname()[1])

    def send() -> None:
        conn, _ = server.accept()
        with conn:
            for i in range(0, len(data), 3000):  # pieces that cut lines in half
                conn.sendall(data[i : i + 3000])
        server.close()

    threading.Thread(target=send, daemon=True).start()
    return port


def test_tcp_feed_matches_the_same_log_read_from_a_file(tmp_path: Path) -> None:
    from_file = ingest_json(LOG, "--store", tmp_path / "file")
    port = _serve_once(LOG.read_bytes())
    store = tmp_path / "feed"
    from_feed = ingest_json(f"tcp://127.0.0.1:{port}", "--store", store, "--duration", "60", "--commit-every", "0.5")
    for key in ("read", "accepted", "duplicates", "rejected"):
        assert from_feed[key] == from_file[key], key
    archived = sorted((store / "raw").rglob("*.nmea"))
    # the archive holds the lines as read: every byte of every line, LF-ended (the log is CRLF)
    assert b"".join(p.read_bytes() for p in archived) == normalise_line_ends(LOG.read_bytes())
    rows = pq.read_table(store / "positions").to_pylist()
    assert {r["source"] for r in rows} <= {str(p) for p in archived}
    manifest = json.loads((store / "manifest.json").read_text())
    assert {s["paths"][0] for s in manifest["sources"]} == {str(p) for p in archived}


def _wait_until_bound(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return  # the ingest holds the port
        finally:
            probe.close()
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on udp port {port}")


def test_udp_feed_is_timed_on_reception(tmp_path: Path) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    store = tmp_path / "store"
    before = datetime.now(UTC)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shadowfleet",
            "ingest",
            f"udp://127.0.0.1:{port}",
            "--store",
            str(store),
            "--duration",
            "60",
            "--max-records",
            "3",
            "--json",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    _wait_until_bound(port)  # a fixed sleep lost the datagrams whenever start-up was slow
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(3):
        sender.sendto(UNTIMED.encode(), ("127.0.0.1", port))
        time.sleep(0.05)
    out, _ = proc.communicate(timeout=30)
    report = json.loads(out)
    assert report["read"] == 3 and report["accepted"] == 1 and report["duplicates"] == 2
    (row,) = pq.read_table(store / "positions").to_pylist()
    assert before <= row["ts"] <= datetime.now(UTC)


def test_unreachable_feed_is_one_line(tmp_path: Path) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.close()  # nothing listens there now
    result = subprocess.run(
        [sys.executable, "-m", "shadowfleet", "ingest", f"tcp://127.0.0.1:{port}", "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "cannot connect" in result.stderr
