"""`screen batch` reads its counterparty CSV one physical line per record: a stray quote, a CR line
end or an over-long field costs its own line (a reject with the reason), never the lines after it."""

from __future__ import annotations

from pathlib import Path

from screening_data import screener
from shadowfleet.core.lines import MAX_LINE_BYTES
from shadowfleet.screening.batch import screen_batch

ROWS = [
    "Korea Kumunsan Shipping,company,KP,,",
    "KUM UN SAN 3,vessel,,8705539,",
    "Acme Widgets GmbH,company,DE,,",
    "Jong Un Kim,person,,,",
]
HEADER = "name,type,country,imo,mmsi"


def _batch(tmp_path: Path, text: str) -> tuple[int, int, int, list[tuple[int, str]]]:
    path = tmp_path / "counterparties.csv"
    path.write_text(text, encoding="utf-8", newline="")
    result = screen_batch(path, tmp_path / "hits.csv", screener(), None)
    return result.read, result.screened, result.parties_hit, [(p.line, p.reason) for p in result.rejected]


def test_clean_file_hits(tmp_path: Path) -> None:
    read, screened, parties_hit, rejected = _batch(tmp_path, "\n".join([HEADER, *ROWS]) + "\n")
    assert (read, screened, rejected) == (4, 4, [])
    assert parties_hit == 3


def test_unbalanced_quote_rejects_its_line_only(tmp_path: Path) -> None:
    rows = [*ROWS]
    rows[0] = '"' + rows[0]  # the quote never closes: it used to swallow every row after it
    read, screened, parties_hit, rejected = _batch(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    assert (read, screened, rejected) == (4, 3, [(2, "unbalanced_quote")])
    assert parties_hit == 2


def test_cr_line_ends_and_long_fields(tmp_path: Path) -> None:
    long_field = "x" * 200_000  # beyond the csv module's default field limit
    text = "\r".join([HEADER, ROWS[0], f"{long_field},company,,,", *ROWS[1:]]) + "\r"
    read, screened, _, rejected = _batch(tmp_path, text)
    assert (read, screened, rejected) == (5, 5, [])  # a long name is screened, not an error


def test_over_long_line_is_one_reject(tmp_path: Path) -> None:
    text = "\n".join([HEADER, ROWS[0], "y" * (MAX_LINE_BYTES + 10), *ROWS[1:]]) + "\n"
    read, screened, _, rejected = _batch(tmp_path, text)
    assert (read, screened, rejected) == (5, 4, [(3, "line_too_long")])
