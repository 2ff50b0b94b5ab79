"""Shared set-up for the screening tests: the real lists, read once per test session."""

from __future__ import annotations

from functools import cache

import pyarrow as pa

from conftest import shared
from shadowfleet.screening.entries import to_table
from shadowfleet.screening.readers import ListFile, read_lists
from shadowfleet.screening.screener import Screener


@cache
def ofac_2024() -> ListFile:
    return read_lists([shared("sanctions", "ofac", "sdn_2024-05-03", "sdn.csv")])[0]


@cache
def un() -> ListFile:
    return read_lists([shared("sanctions", "un", "un_consolidated_2026-02-27.xml")])[0]


@cache
def screener() -> Screener:
    tables = [to_table(f.entries, f.default_name, "test") for f in (ofac_2024(), un())]
    return Screener(pa.concat_tables(tables))
