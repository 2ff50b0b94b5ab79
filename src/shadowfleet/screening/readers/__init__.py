"""List files recognised from their content: OFAC SDN CSV set, UN XML, FtM CSV/JSON lines, plain CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from shadowfleet.screening.readers.common import ListFile, Problem
from shadowfleet.screening.readers.ftm import is_ftm_csv, read_ftm_csv, read_ftm_json
from shadowfleet.screening.readers.ofac import is_ofac, read_ofac
from shadowfleet.screening.readers.plain import is_plain, read_plain
from shadowfleet.screening.readers.un import is_un, read_un

__all__ = ["ListFile", "Problem", "read_lists"]


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise ValueError(f"{path}: no such file or directory")
    return found


def read_lists(paths: list[Path]) -> list[ListFile]:
    """Each list in `paths`; the OFAC files (sdn, alt, add, sdn_comments) given together form one list."""
    files = _files(paths)
    ofac = [p for p in files if is_ofac(p)]
    lists = [read_ofac(ofac)] if ofac else []
    for path in (p for p in files if not is_ofac(p)):
        lists.append(_read_one(path))
    return lists


def _read_one(path: Path) -> ListFile:
    head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
    if is_un(head):
        return read_un(path)
    if head.lstrip().startswith("{"):
        return read_ftm_json(path)
    header = next(csv.reader([head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""]), [])
    if is_ftm_csv(header):
        return read_ftm_csv(path)
    if is_plain(header):
        return read_plain(path)
    raise ValueError(
        f"{path}: not a list format shadowfleet reads (OFAC sdn.csv set, UN consolidated XML, "
        "FollowTheMoney JSON lines or CSV, or a CSV with a 'name' column)"
    )
