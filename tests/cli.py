"""Run the real `shadowfleet` command in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shadowfleet", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},  # no wrapping inside the asserted text
        timeout=600,
    )


def ingest_json(*args: str | Path) -> dict[str, Any]:
    result = run("ingest", *args, "--json")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    data: dict[str, Any] = json.loads(lines[0])
    return data
