from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
AIS = SHARED / "ais"
SAMPLES = REPO / "data" / "samples"


def shared(*parts: str) -> Path:
    """A file of the shared real-data set; CI has it beside the clone, so its absence is a failure."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"shared data missing: {path} (expected ../shared/data beside the repository)")
    return path
