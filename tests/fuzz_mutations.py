"""Mutations of real AIS files for the ingest fuzzer, and the oracle that says how many records a
plain file holds (what `read` must equal).

Each mutation is a small, seeded, deterministic edit of the kind real files and hostile users
produce: bit flips, inserted or deleted bytes, truncation, CR/CRLF/no line ends, NUL, invalid
UTF-8, byte-order marks, over-long lines, a stray quote, special numbers, extreme years, and for
compressed inputs a cut gzip or a gzip bomb.
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shadowfleet.core.lines import MAX_LINE_BYTES, normalise_line_ends

SEED_BYTES = 48 << 10  # seeds are cut to whole lines under this size: many cases per second
SPECIAL_NUMBERS = [b"NaN", b"nan", b"inf", b"-inf", b"Infinity", b"1e308", b"-1e308", b"1e-320", b"-0", b"9" * 25]
EXTREME_YEARS = [b"0000", b"0001", b"1969", b"1989", b"2999", b"9999", b"10000", b"-0001"]
EXTREME_EPOCHS = [b"253402300800000", b"-62135596800", b"0", b"99999999999999999999", b"1e20"]
TOKENS = [b'"', b",", b"\r", b"\n", b"\r\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\\", b"*", b"!", b"$", b"#"]


@dataclass(frozen=True)
class Case:
    name: str  # the mutations applied, for the failure message
    data: bytes
    compressed: bool  # gzip: line accounting is not checked exactly (a cut stream loses its tail)


Mutation = Callable[[random.Random, bytes], bytes]


def _at(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def bit_flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def insert_token(rng: random.Random, data: bytes) -> bytes:
    i = _at(rng, data)
    return data[:i] + rng.choice(TOKENS) * rng.randint(1, 3) + data[i:]


def insert_random(rng: random.Random, data: bytes) -> bytes:
    i = _at(rng, data)
    return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]


def delete_range(rng: random.Random, data: bytes) -> bytes:
    i = _at(rng, data)
    return data[:i] + data[i + rng.randint(1, 200) :]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: _at(rng, data)]


def cr_line_ends(rng: random.Random, data: bytes) -> bytes:
    return normalise_line_ends(data).replace(b"\n", b"\r")


def crlf_line_ends(rng: random.Random, data: bytes) -> bytes:
    return normalise_line_ends(data).replace(b"\n", b"\r\n")


def no_final_line_end(rng: random.Random, data: bytes) -> bytes:
    return data.rstrip(b"\r\n")


def lone_cr(rng: random.Random, data: bytes) -> bytes:
    i = _at(rng, data)
    return data[:i] + b"\r" + data[i:]


def nul_bytes(rng: random.Random, data: bytes) -> bytes:
    i = _at(rng, data)
    return data[:i] + b"\x00" * rng.randint(1, 4) + data[i:]


def invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    i = _at(rng, data)
    return data[:i] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80\x80"]) + data[i:]


def bom(rng: random.Random, data: bytes) -> bytes:
    mark = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])
    if rng.random() < 0.5:
        return mark + data
    i = _line_start(rng, data)
    return data[:i] + mark + data[i:]


def long_line(rng: random.Random, data: bytes) -> bytes:
    """A line just over the cap (one reject), or a long but legal one."""
    size = rng.choice([MAX_LINE_BYTES + rng.randint(1, 4096), rng.randint(70_000, 300_000)])
    i = _line_start(rng, data)
    filler = rng.choice([b"x", b"9", b",", b'"'])
    return data[:i] + filler * size + b"\n" + data[i:]


def stray_quote(rng: random.Random, data: bytes) -> bytes:
    i = _after(rng, data, b",")
    return data[:i] + b'"' + data[i:]


def special_number(rng: random.Random, data: bytes) -> bytes:
    numbers = [m.span() for m in re.finditer(rb"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", data[:SEED_BYTES])]
    if not numbers:
        return data
    start, end = rng.choice(numbers)
    return data[:start] + rng.choice(SPECIAL_NUMBERS) + data[end:]


def extreme_year(rng: random.Random, data: bytes) -> bytes:
    years = [m.span() for m in re.finditer(rb"(?:19|20)\d\d(?=[-/ T])|(?<=/)(?:19|20)\d\d", data[:SEED_BYTES])]
    epochs = [m.span() for m in re.finditer(rb"(?<=c:)\d{9,13}|(?<=,)1[0-9]{9}(?=\s|$)", data[:SEED_BYTES])]
    if epochs and (not years or rng.random() < 0.4):
        start, end = rng.choice(epochs)
        return data[:start] + rng.choice(EXTREME_EPOCHS) + data[end:]
    if not years:
        return data
    start, end = rng.choice(years)
    return data[:start] + rng.choice(EXTREME_YEARS) + data[end:]


def iso_prefix(rng: random.Random, data: bytes) -> bytes:
    """A log-prefix time before a sentence, from outside any plausible era."""
    i = _line_start(rng, data)
    stamp = rng.choice([b"-0001-01-01T00:00:00", b"9999-12-31T23:59:59", b"0001-01-01 00:00:00", b"1e308"])
    return data[:i] + stamp + b" " + data[i:]


def duplicate_lines(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    return b"\n".join(lines[:i] + [lines[i]] * rng.randint(2, 5) + lines[i + 1 :])


def shuffle_lines(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    head, body = lines[:1], lines[1:]
    rng.shuffle(body)
    return b"\n".join(head + body)


def _line_start(rng: random.Random, data: bytes) -> int:
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data[:SEED_BYTES])]
    return rng.choice(starts)


def _after(rng: random.Random, data: bytes, token: bytes) -> int:
    spots = [m.end() for m in re.finditer(re.escape(token), data[:SEED_BYTES])]
    return rng.choice(spots) if spots else _at(rng, data)


PLAIN_MUTATIONS: list[Mutation] = [
    bit_flip,
    insert_token,
    insert_random,
    delete_range,
    truncate,
    cr_line_ends,
    crlf_line_ends,
    no_final_line_end,
    lone_cr,
    nul_bytes,
    invalid_utf8,
    bom,
    long_line,
    stray_quote,
    special_number,
    special_number,
    extreme_year,
    extreme_year,
    iso_prefix,
    duplicate_lines,
    shuffle_lines,
]


def seed_bytes(path: Path) -> bytes:
    """A seed file's text (gzip inflated), cut to whole lines under SEED_BYTES."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        with gzip.open(path) as fh:
            data = fh.read(SEED_BYTES * 2)
    if len(data) > SEED_BYTES:
        data = data[: data.rfind(b"\n", 0, SEED_BYTES) + 1]
    return data


def mutate(rng: random.Random, seed: bytes, gzipped: bool) -> Case:
    mutations = rng.sample(PLAIN_MUTATIONS, rng.choice([1, 1, 2, 3]))
    data = seed
    for mutation in mutations:
        data = mutation(rng, data)
    name = "+".join(m.__name__ for m in mutations)
    if not gzipped:
        return Case(name, data, False)
    packed = gzip.compress(data, mtime=0)
    choice = rng.random()
    if choice < 0.4:  # cut gzip
        return Case(f"{name}+cut_gzip", packed[: rng.randrange(10, max(11, len(packed)))], True)
    if choice < 0.55:  # damaged gzip
        return Case(f"{name}+flip_gzip", bit_flip(rng, packed), True)
    if choice < 0.65:  # a bomb: megabytes of one byte behind a small file
        bomb = gzip.compress(rng.choice([b"\n", b"x", b"\r"]) * (rng.randint(8, 40) << 20), compresslevel=9)
        return Case(f"{name}+gzip_bomb", packed + bomb, True)
    return Case(f"{name}+gzip", packed, True)


# --- the oracle -------------------------------------------------------------------------------

_HEX = re.compile(r"^[+-]?[0-9A-Fa-f]+$")


def physical_lines(data: bytes) -> list[bytes]:
    """Lines as every reader must count them: LF, CRLF or CR ends; a last line without an end counts."""
    lines = normalise_line_ends(data).split(b"\n")
    return lines[:-1] if lines and lines[-1] == b"" else lines


def csv_records(data: bytes) -> int:
    """Records of a CSV file: its non-empty lines after the header."""
    return sum(1 for line in physical_lines(data)[1:] if line)


def nmea_records(data: bytes) -> int:
    """Records of an NMEA log: lines that are not blank, not '#' comments and not timing lines (a
    tag block alone or a `$PGHP` line, which time the next sentence) whose tag checksum holds."""
    count = 0
    for raw in physical_lines(data):
        text = bytes(b if b < 128 else ord("?") for b in raw).decode("ascii").strip(" \t\n\r\x0b\x0c")
        if not text or text.startswith("#"):
            continue
        count += not _timing_line(text)
    return count


def _timing_line(text: str) -> bool:
    rest, tag = text, None
    if text.startswith("\\"):
        end = text.find("\\", 1)
        if end < 0:
            return False  # an unclosed tag block: a reject
        tag, rest = text[1:end], text[end + 1 :]
    if rest != "" and not rest.startswith("$PGHP"):
        return False
    return tag is None or _tag_checksum_ok(tag)


def _tag_checksum_ok(tag: str) -> bool:
    star = tag.find("*")
    if star < 0:
        return True
    declared = tag[star + 1 : star + 3]
    if declared == "00" or not _HEX.match(declared):
        return True
    computed = 0
    for ch in tag[:star].encode():
        computed ^= ch
    return int(declared, 16) == computed
