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


@pytest.fixture(scope="session")
def scenario_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once per test worker: the simulated North Korea scenario, the bundled OFAC and UN
    lists, detection and screening. Tests that change a store take a copy (`scenario_store`)."""
    from cli import run

    root = tmp_path_factory.mktemp("scenario")
    lists = REPO / "data" / "lists"
    steps: list[tuple[str | Path, ...]] = [
        ("simulate", "--out", root / "sim", "--seed", "7"),
        ("ingest", root / "sim" / "ais.csv", "--store", root / "store", "--quiet"),
        ("lists", "import", lists / "ofac_sdn_2024-05-03", "--date", "2024-05-03", "--store", root / "store"),
        ("lists", "import", lists / "un_consolidated_2026-02-27.xml", "--store", root / "store"),
        ("detect", "--store", root / "store"),
    ]
    for step in steps:
        result = run(*step)
        assert result.returncode == 0, result.stdout + result.stderr
    return root / "store"


@pytest.fixture
def scenario_store(scenario_template: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(scenario_template, tmp_path / "store"))
