"""Which reader a file needs, told from its first bytes (never from its name)."""

from __future__ import annotations

import re

from shadowfleet.core.lines import first_line
from shadowfleet.ingest.csv_layouts import looks_like_header
from shadowfleet.ingest.sources import InputError, Opened

FORMATS = ("auto", "nmea", "csv", "parquet", "gpkg")
_SENTENCE = re.compile(rb"![^,!\s]{2}VD[MO],")
_MAX_NULS = 64


def sniff(opened: Opened, forced: str = "auto") -> str:
    """'nmea', 'csv', 'parquet' or 'gpkg'; InputError (naming the file) for anything else."""
    name = opened.source.name
    if opened.magic == b"PAR1":
        return "parquet"
    if forced != "auto":
        return forced
    head = opened.head
    if not head:
        raise InputError(f"{name}: {opened.error or 'empty file'}")
    if head.startswith(b"SQLite format 3\x00"):
        if "::" in name:
            raise InputError(f"{name}: a GeoPackage inside an archive cannot be read in place; extract it first")
        return "gpkg"
    if head[:4096].count(0) > _MAX_NULS:  # a stray NUL is a bad line of a text file, not a binary file
        raise InputError(f"{name}: binary data, not a recognised AIS format")
    if _SENTENCE.search(head):
        return "nmea"
    first = first_line(head).decode("utf-8-sig", "replace").strip()
    if looks_like_header(first):
        return "csv"
    raise InputError(
        f"{name}: line 1: not a recognised AIS format (no NMEA AIS sentence in the first "
        f"{len(head) // 1024 or 1} KiB and no CSV header with MMSI and position columns): {first[:60]!r}"
    )
