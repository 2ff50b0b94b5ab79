"""`shadowfleet ingest tcp://host:port` / `udp://:port`: a live feed, committed segment by segment.

Each segment (`--commit-every` seconds) is one store batch, so a crash loses at most the segment
being read. Its raw bytes are archived in the store
(`raw/<feed>/<start>.nmea`), and that archive is the `source` of its rows, so every position from a
feed traces back to a raw line exactly as one from a file does.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shadowfleet.ingest.feeds import Feed, FeedReader
from shadowfleet.ingest.nmea_reader import NmeaStream
from shadowfleet.ingest.pipeline import FileIngest, FileReport, IngestOptions, IngestReport, record_source
from shadowfleet.store.store import Batch, Store


@dataclass(frozen=True)
class FeedLimits:
    duration_s: float | None = None  # stop after this long; None: until the feed ends or Ctrl-C
    maxrecord_sources: int | None = None  # stop after this many input records
    segment_s: float = 60.0  # commit this often


def ingest_feed(feed: Feed, store_dir: Path, options: IngestOptions, limits: FeedLimits) -> IngestReport:
    reader = FeedReader(feed)
    store = Store.open(store_dir, create=True)
    report = IngestReport(str(store.root.resolve()))
    stream = NmeaStream(feed.name, options.start_us)
    end = time.monotonic() + limits.duration_s if limits.duration_s is not None else float("inf")
    segment = _Segment(stream)
    try:
        while not reader.ended and time.monotonic() < end and not segment.full(report, limits):
            with store.lock():
                until = min(end, time.monotonic() + limits.segment_s)
                seg = segment.run(store, reader, until, limits, report)
                if seg.size_bytes:
                    report.files.append(seg)
    finally:
        reader.close()
    if not report.files:
        report.errors.append(f"{feed.name}: no data received")
    return report


class _Segment:
    """Reads one stretch of a feed into one batch; line numbers run on across segments."""

    def __init__(self, stream: NmeaStream) -> None:
        self.stream = stream

    def full(self, report: IngestReport, limits: FeedLimits) -> bool:
        return limits.maxrecord_sources is not None and report.total("read") >= limits.maxrecord_sources

    def run(
        self, store: Store, reader: FeedReader, until: float, limits: FeedLimits, report: IngestReport
    ) -> FileReport:
        batch = Batch(store)
        started = datetime.now(UTC)
        relative = f"raw/{reader.feed.slug}/{started.strftime('%Y%m%dT%H%M%S.%fZ')}.nmea"
        staged, final = batch.stage_file(relative)
        seg = FileReport(str(final), 0, format="nmea")
        state = FileIngest(seg, batch, set())
        digest = hashlib.sha256()
        self.stream.decoder.source = str(final)
        line = 1
        try:
            with staged.open("wb") as raw:
                for data, received in reader.read(until):
                    raw.write(data)
                    digest.update(data)
                    seg.size_bytes += len(data)
                    state.add(self.stream.block(line, data, received))
                    state.add_long_lines(reader.take_long_lines(line))
                    line += data.count(b"\n")
                    if (
                        limits.maxrecord_sources is not None
                        and report.total("read") + seg.read >= limits.maxrecord_sources
                    ):
                        break
        except KeyboardInterrupt:
            reader.ended = True  # Ctrl-C: keep what arrived, commit it, stop
        seg.sha256 = digest.hexdigest()
        state.finish()
        if seg.size_bytes:
            record_source(batch, seg)
            batch.commit()
        else:  # nothing arrived: no empty archive, no manifest entry
            batch.abort()
        return seg
