"""NMEA 0183 line framing, vectorised: which line is an AIS sentence, when it was heard, by whom.

A block of whole lines becomes one Arrow string column without a Python object per line; Polars
string kernels then split tag blocks, log prefixes, sentence fields and suffixes for all lines at
once, and checksums are XOR-reduced over the raw buffer with numpy. Log variants handled:
- NMEA 4 tag blocks, alone on a line or in front of the sentence: ``\\s:station,c:unixtime*hh\\``;
- Gatehouse/DMA ``$PGHP,1,yyyy,m,d,h,m,s,ms,...`` lines that time the next sentence;
- a time before the sentence on the same line (epoch seconds or ISO-8601);
- a time after the checksum (``...*hh,1412524603``) or the USCG NAIS suffix
  (``...*hh,d-109,S2105,t050056.00,T56.13,r003669946,1325394060``).
A timing line (tag block alone, ``$PGHP``) applies to the next sentence only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from shadowfleet.ingest.ais_bits import string_buffers
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import civil_to_us

NO_TS = -(2**63)  # "no time given" for the `--start` fallback
# Numbers are taken as unix times only from 2000 on: AIS data is younger, and small numbers in a
# time column are far more likely to be something else.
MIN_EPOCH_S = 946_684_800
_ISO_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.fZ")


@dataclass
class Carry:
    """Timing that a block's last lines leave for the first sentence of the next block."""

    ts: int | None = None
    station: str | None = None


class LineBlock:
    """A block of raw lines: Arrow column over the bytes, plus raw access for rejects."""

    def __init__(self, data: bytes, first_line: int) -> None:
        buf = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(buf == 10) + 1
        if not len(ends) or ends[-1] != len(buf):
            ends = np.append(ends, len(buf))
        self.offsets = np.concatenate([[0], ends]).astype(np.int64)
        self.data, self.first_line = data, first_line
        # AIS NMEA is ASCII; other bytes only occur in comments and garbage, which are never decoded
        self.ascii = buf.max(initial=0) < 128
        ascii_buf = buf if self.ascii else np.where(buf < 128, buf, ord("?")).astype(np.uint8)
        array = pa.LargeStringArray.from_buffers(
            len(self.offsets) - 1, pa.py_buffer(self.offsets.data), pa.py_buffer(ascii_buf.data)
        )
        self.text = pl.Series("text", array)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, line: int) -> bytes:
        i = line - self.first_line
        return self.data[self.offsets[i] : self.offsets[i + 1]].rstrip(b"\r\n")

    def raw_lines(self, lines: pl.Series) -> pl.Series:
        """The raw text of many lines at once (exact for ASCII blocks, the usual case); null for a
        line of an earlier block (a message completed here whose first fragment came before)."""
        index = lines - self.first_line
        inside = (index >= 0) & (index < len(self))
        if self.ascii:
            safe = index.zip_with(inside, pl.Series([0] * len(index), dtype=index.dtype))
            raw = self.text.gather(safe).str.strip_chars_end("\r\n")
            return raw.zip_with(inside, pl.Series([None] * len(raw), dtype=pl.String)).alias("raw")
        texts = [self.raw(n).decode("utf-8", "replace") if ok else None for n, ok in zip(lines, inside, strict=True)]
        return pl.Series("raw", texts, dtype=pl.String)

    def reject(self, rows: pl.DataFrame, rejects: Rejects, reason: str | pl.Expr, detail: str | pl.Expr) -> None:
        """Reject the lines in `rows` (column `line`; `raw` and `records` used where present)."""
        if not rows.height:
            return
        raw = self.raw_lines(rows["line"])
        if "raw" in rows.columns:
            raw = rows["raw"].fill_null(raw)
        raw = raw.fill_null("")
        records = rows["records"] if "records" in rows.columns else pl.repeat(1, rows.height, eager=True)
        rejects.add_frame(
            rows.with_columns(raw.alias("raw"), records.alias("records")).select(
                "line", _expr(reason).alias("reason"), _expr(detail).alias("detail"), "raw", "records"
            )
        )


def _expr(value: str | pl.Expr) -> pl.Expr:
    return pl.lit(value) if isinstance(value, str) else value


def xor_checksums(strings: pl.Series) -> np.ndarray:
    """XOR of the bytes of each string (0 for null or empty), from one prefix-XOR over the buffer."""
    offsets, data = string_buffers(strings)
    prefix = np.zeros(len(data) + 1, dtype=np.uint8)
    np.bitwise_xor.accumulate(data, out=prefix[1:])
    checksums: np.ndarray = (prefix[offsets[1:]] ^ prefix[offsets[:-1]]).astype(np.int64)
    return checksums


def _epoch_us(text: pl.Expr) -> pl.Expr:
    """Unix seconds or milliseconds (told apart by size) -> µs; null when not a plausible number."""
    value = text.cast(pl.Float64, strict=False)
    value = pl.when(value > 1e11).then(value / 1000).otherwise(value)
    return pl.when((value >= MIN_EPOCH_S) & (value < 4.1e9)).then((value * 1e6).round(0).cast(pl.Int64))


def _time_text_us(text: pl.Expr) -> pl.Expr:
    """A log prefix: epoch number or ISO-8601 (UTC unless it says otherwise)."""
    iso = [text.str.to_datetime(f, strict=False, time_unit="us").dt.epoch("us") for f in _ISO_FORMATS]
    return pl.coalesce(_epoch_us(text), *iso)


def _pghp_fields(lines: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Time (µs) and station of `$PGHP,1,yyyy,m,d,h,m,s,ms,country,region,station,...` lines."""
    fields = lines.str.split_exact(",", 11).struct.unnest()
    numbers = [fields[f"field_{i}"].cast(pl.Int64, strict=False).fill_null(-1).to_numpy() for i in range(2, 9)]
    year, month, day, hour, minute, second, milli = numbers
    us, valid = civil_to_us(year, month, day, hour, minute, second, milli * 1000)
    station = fields["field_11"]
    return pl.Series(pa.array(us, pa.int64(), mask=~valid)), station.set(station == "", None)


def _tag_fields(tags: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Time (`c:`, µs) and station (`s:`) of tag blocks; each distinct tag block is parsed once."""
    distinct = tags.drop_nulls().unique()
    parsed = pl.DataFrame({"tag": distinct}).select(
        _epoch_us(pl.col("tag").str.extract(r"(?:^|,)c:(\d+(?:\.\d+)?)", 1)).alias("ts"),
        pl.col("tag").str.extract(r"(?:^|,)s:([^,*]*)", 1).alias("station"),
    )
    ts = tags.replace_strict(distinct, parsed["ts"], default=None, return_dtype=pl.Int64)
    station = tags.replace_strict(distinct, parsed["station"], default=None, return_dtype=pl.String)
    return ts, station


class LineFramer:
    """Frames blocks of one input; keeps the timing left pending at a block's end."""

    def __init__(self, fallback_ts: int = NO_TS) -> None:
        self.fallback_ts = None if fallback_ts == NO_TS else fallback_ts
        self.carry = Carry()

    def frame(self, block: LineBlock, rejects: Rejects) -> pl.DataFrame:
        """Sentence rows: line, talker, count, index, seq, channel, payload, fill, ts, station, checksum_ok."""
        lines = self._lines(block)
        kind = lines["kind"]
        self._reject(lines.filter(~kind.is_in(["sentence", "timing"])), block, rejects)
        at_sentence = np.flatnonzero((kind == "sentence").to_numpy())
        at_timing = np.flatnonzero((kind == "timing").to_numpy())
        sentences = self._sentences(lines[at_sentence])
        timing = self._timing_lines(lines[at_timing])  # aligned with at_timing
        own_ts = pl.repeat(None, lines.height, dtype=pl.Int64, eager=True)
        own_station = pl.repeat(None, lines.height, dtype=pl.String, eager=True)
        for at, rows in ((at_sentence, sentences), (at_timing, timing)):
            if len(at):
                own_ts.scatter(at, rows["own_ts"])
                own_station.scatter(at, rows["own_station"])
        ts, station = self._apply_timing(pl.DataFrame({"kind": kind, "own_ts": own_ts, "own_station": own_station}))
        sentences = sentences.with_columns(
            ts.gather(at_sentence).alias("ts"), station.gather(at_sentence).alias("station")
        )
        block.reject(sentences.filter(pl.col("no_star")), rejects, "checksum", "sentence has no '*hh' checksum")
        return sentences.filter(~pl.col("no_star")).select(
            "line",
            "talker",
            "count",
            "index",
            "seq",
            "channel",
            "payload",
            "fill",
            "ts",
            "station",
            "checksum_ok",
        )

    def _lines(self, block: LineBlock) -> pl.DataFrame:
        """Non-blank, non-comment lines, in order, with their tag block split off and their kind."""
        frame = (
            pl.DataFrame({"text": block.text})
            .with_columns(
                pl.int_range(block.first_line, block.first_line + len(block), dtype=pl.Int64).alias("line"),
                pl.col("text").str.strip_chars(),
            )
            .filter((pl.col("text") != "") & ~pl.col("text").str.starts_with("#"))
        )
        tagged = pl.col("text").str.starts_with("\\")
        tag_end = pl.col("text").str.slice(1).str.find("\\", literal=True)  # closing backslash, if any
        frame = frame.with_columns(
            pl.when(tagged & tag_end.is_not_null()).then(pl.col("text").str.slice(1, tag_end)).alias("tag"),
            pl.when(tagged & tag_end.is_not_null())
            .then(pl.col("text").str.slice(tag_end + 2))
            .otherwise(pl.col("text"))
            .alias("rest"),
        )
        rest = pl.col("rest")
        kind = (
            pl.when(tagged & pl.col("tag").is_null())
            .then(pl.lit("bad_tag_block"))
            .when(rest == "")
            .then(pl.lit("timing"))
            .when(rest.str.starts_with("$PGHP"))
            .then(pl.lit("timing"))
            .when(rest.str.contains(r"![^,!\s]{2}VD[MO],"))
            .then(pl.lit("sentence"))
            .otherwise(pl.lit("non_ais"))
        )
        frame = frame.with_columns(kind.alias("kind"))
        if frame["tag"].null_count() < frame.height:
            ok = self._tag_checksums_ok(frame["tag"])
            frame = frame.with_columns(pl.when(ok).then(pl.col("kind")).otherwise(pl.lit("tag_checksum")).alias("kind"))
        return frame

    def _sentences(self, rows: pl.DataFrame) -> pl.DataFrame:
        bang = pl.col("rest").str.find("!", literal=True)
        sentence = pl.col("rest").str.slice(bang + 1)
        star = sentence.str.find("*", literal=True)
        rows = rows.with_columns(
            pl.col("rest").str.slice(0, bang).alias("prefix"),
            sentence.str.slice(0, star).alias("body"),
            sentence.str.slice(star + 1, 2).alias("declared"),
            sentence.str.slice(star + 3).alias("suffix"),
            star.is_null().alias("no_star"),
        )
        fields = (
            pl.col("body")
            .str.split_exact(",", 6)
            .struct.rename_fields(["talker", "count", "index", "seq", "channel", "payload", "fill"])
        )
        rows = (
            rows.with_columns(fields.alias("f"))
            .unnest("f")
            .with_columns(
                pl.col("count").cast(pl.Int64, strict=False),
                pl.col("index").cast(pl.Int64, strict=False),
                pl.col("fill").cast(pl.Int64, strict=False),
            )
        )
        has_prefix = rows["prefix"].str.len_bytes() > 0
        has_suffix = rows["suffix"].str.len_bytes() > 0
        tag_ts, tag_station = _tag_fields(rows["tag"])
        rows = rows.with_columns(tag_ts.alias("tag_ts"), tag_station.alias("tag_station"))
        own_ts = pl.col("tag_ts")
        if has_prefix.any():
            own_ts = pl.coalesce(own_ts, _time_text_us(pl.col("prefix").str.strip_chars(" ,;\t")))
        station = pl.col("tag_station")
        if has_suffix.any():
            own_ts = pl.coalesce(own_ts, _epoch_us(pl.col("suffix").str.extract(r",(\d{10,13}(?:\.\d+)?)(?:,|$)", 1)))
            station = pl.coalesce(station, pl.col("suffix").str.extract(r",(r[^,]*)", 1))
        checksum_ok = pl.Series(xor_checksums(rows["body"])) == rows["declared"].str.to_integer(base=16, strict=False)
        return rows.with_columns(
            own_ts.cast(pl.Int64).alias("own_ts"),
            station.alias("own_station"),
            checksum_ok.fill_null(False).alias("checksum_ok"),
        )

    def _timing_lines(self, rows: pl.DataFrame) -> pl.DataFrame:
        """own_ts and own_station of timing lines (a `$PGHP` line, or a tag block alone), in row order."""
        is_pghp = rows["rest"].str.starts_with("$PGHP,1,").to_numpy()
        own_ts = pl.repeat(None, rows.height, dtype=pl.Int64, eager=True)
        own_station = pl.repeat(None, rows.height, dtype=pl.String, eager=True)
        at_pghp, at_tag = np.flatnonzero(is_pghp), np.flatnonzero(~is_pghp)
        if len(at_pghp):
            ts, station = _pghp_fields(rows["rest"].gather(at_pghp))
            own_ts.scatter(at_pghp, ts)
            own_station.scatter(at_pghp, station)
        if len(at_tag):
            ts, station = _tag_fields(rows["tag"].gather(at_tag))
            own_ts.scatter(at_tag, ts)
            own_station.scatter(at_tag, station)
        return pl.DataFrame({"own_ts": own_ts, "own_station": own_station})

    def _reject(self, others: pl.DataFrame, block: LineBlock, rejects: Rejects) -> None:
        detail = (
            pl.when(pl.col("kind") == "bad_tag_block")
            .then(pl.lit("tag block has no closing backslash"))
            .when(pl.col("kind") == "tag_checksum")
            .then(pl.lit("tag block checksum does not match"))
            .otherwise(pl.format("not an AIS sentence ('{}')", pl.col("rest").str.slice(0, 6)))
        )
        block.reject(others, rejects, pl.col("kind"), detail)

    def _apply_timing(self, lines: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
        """Time and station of every line. A timing line applies to the next line that is not one
        (its consumer). A sentence's own tag block, prefix or suffix comes first, then its timing
        lines, then what the previous block left pending, then `--start`."""
        consumer = (pl.col("kind") != "timing").cast(pl.Int64)
        lines = lines.with_columns((consumer.cum_sum() - consumer).alias("group"))
        timing = pl.col("kind") == "timing"
        ts_group = pl.when(timing & pl.col("own_ts").is_not_null()).then(pl.col("group")).forward_fill()
        st_group = pl.when(timing & pl.col("own_station").is_not_null()).then(pl.col("group")).forward_fill()
        lines = lines.with_columns(
            pl.when(ts_group == pl.col("group"))
            .then(pl.when(timing).then(pl.col("own_ts")).forward_fill())
            .alias("pending_ts"),
            pl.when(st_group == pl.col("group"))
            .then(pl.when(timing).then(pl.col("own_station")).forward_fill())
            .alias("pending_station"),
        )
        carried = self.carry
        last = lines.tail(1)
        ends_pending = bool(last.height) and last["kind"][0] == "timing"
        self.carry = Carry(last["pending_ts"][0], last["pending_station"][0]) if ends_pending else Carry()
        first = pl.col("group") == 0
        out = lines.select(
            pl.coalesce(
                pl.col("own_ts"),
                pl.col("pending_ts"),
                pl.when(first).then(pl.lit(carried.ts, pl.Int64)),
                pl.lit(self.fallback_ts, pl.Int64),
            ).alias("ts"),
            pl.coalesce(
                pl.col("own_station"),
                pl.col("pending_station"),
                pl.when(first).then(pl.lit(carried.station, pl.String)),
            ).alias("station"),
        )
        return out["ts"], out["station"]

    @staticmethod
    def _tag_checksums_ok(tags: pl.Series) -> pl.Series:
        """A tag block's checksum; '00' is a placeholder some receivers write (AMSA, pyais logs).

        Receivers repeat the same few tag blocks endlessly, so each distinct one is checked once."""
        distinct = tags.drop_nulls().unique()
        ok = LineFramer._distinct_tags_ok(distinct)
        return tags.replace_strict(distinct, ok, default=True, return_dtype=pl.Boolean)

    @staticmethod
    def _distinct_tags_ok(tags: pl.Series) -> pl.Series:
        star = tags.str.find("*", literal=True)
        content = pl.select(pl.when(star.is_null()).then(tags).otherwise(tags.str.slice(0, star))).to_series()
        declared = tags.str.slice(star + 1, 2)
        computed = pl.Series(xor_checksums(content))
        expected = declared.str.to_integer(base=16, strict=False)
        return (declared.is_null() | (declared == "00") | (expected == computed)).fill_null(True)
