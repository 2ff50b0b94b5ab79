"""Adding a detector touches its module, its TOML section and its test, plus core/events.py when it brings
a new event type (the enum member, its label and colour, its details record): nothing else. This test makes
exactly those edits to a copy of the package, a detector of a new type written here, and shows that the
registry, `detect` (both the run and its summary), the API's event types and filters, the web map (which
takes types, labels and colours from the API) and the case files pick it up."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, SAMPLES

PROBE_MODULE = '''"""A detector that exists only in a test: one event per vessel heard at least `min_fixes` times."""

from __future__ import annotations

from dataclasses import dataclass

from shadowfleet.core.events import EventType, ProbeDetails
from shadowfleet.detect.events import EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition


@dataclass(frozen=True)
class ProbeParams(Params):
    min_fixes: int


def detect_probe(part: Partition, params: ProbeParams, out: EventBuilder) -> None:
    tracks = part.tracks
    for (mmsi,), fixes in tracks.group_by(["mmsi"], maintain_order=True):
        if fixes.height < params.min_fixes:
            continue
        first, last = fixes.row(0, named=True), fixes.row(-1, named=True)
        out.add(
            ProbeDetails(fixes=fixes.height),
            int(mmsi),
            int(first["ts"]),
            int(last["ts"]),
            lat=float(first["lat"]),
            lon=float(first["lon"]),
            score=0.5,
            reason=f"heard {fixes.height} times",
            refs=[(str(first["source"]), int(first["line"]))],
            version=params.version,
        )


DETECTORS = (Detector(EventType.PROBE, ProbeParams, detect_probe),)
'''

PROBE_TOML = """
[probe]
min_fixes = 20               # a test's threshold
version = "probe/1"
"""

PROBE_DETAILS = """

@dataclass(frozen=True, kw_only=True)
class ProbeDetails(Details):
    event_type: ClassVar[EventType] = EventType.PROBE
    fixes: int = 0


"""

# what a developer adds to core/events.py for a new event type, each at one place
EVENTS_EDITS = (
    (r"(class EventType\(StrEnum\):\n    \"\"\"[^\n]*\"\"\"\n\n)", '\\1    PROBE = "probe"\n'),
    (r"(_LABELS = \{\n)", '\\1    EventType.PROBE: "Probe (a test detector)",\n'),
    (r"(_COLOURS = \{\n)", '\\1    EventType.PROBE: "#123456",\n'),
    (r"\n\n\n(AnyDetails = \(\n)", PROBE_DETAILS + "\\1    ProbeDetails\n    | "),
    (r"(    for cls in \(\n)", "\\1        ProbeDetails,\n"),
)

CHECKS = """
import json, subprocess, sys
from pathlib import Path
from fastapi.testclient import TestClient
import shadowfleet
from shadowfleet.api.app import create_app
from shadowfleet.api.auth import add_user
from shadowfleet.core.events import EventType
from shadowfleet.detect.registry import detectors
from shadowfleet.store.store import Store

store, sample = Path(sys.argv[1]), sys.argv[2]
probe = EventType("probe")
found = {"package": shadowfleet.__file__, "registry": [d.name for d in detectors()]}

def cli(*args):
    done = subprocess.run([sys.executable, "-m", "shadowfleet", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout

cli("ingest", sample, "--store", str(store), "--quiet")
found["detect"] = json.loads(cli("detect", "--store", str(store), "--json"))["by_type"]
client = TestClient(create_app(store))
key = {"X-API-Key": add_user(Store.open(store), "vic", "viewer")}
found["types"] = client.get("/api/event-types", headers=key).json()
events = client.get("/api/events", params={"type": "probe"}, headers=key)
found["filtered"] = [events.status_code, events.json().get("total")]
feature = events.json()["features"][0]
found["detail"] = client.get("/api/events/" + feature["id"], headers=key).json()["details"]
mmsi = feature["properties"]["mmsi"]
case = client.get(f"/api/vessels/{mmsi}/case.html", headers=key)
found["case"] = [case.status_code, "Probe (a test detector)" in case.text or "probe" in case.text]
print(json.dumps(found))
"""


def _copy_with_a_new_detector(root: Path) -> Path:
    package = Path(shutil.copytree(REPO / "src" / "shadowfleet", root / "src" / "shadowfleet"))
    (package / "detect" / "probe.py").write_text(PROBE_MODULE, encoding="utf-8")
    toml = package / "reference" / "detect_defaults.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + PROBE_TOML, encoding="utf-8")
    events = package / "core" / "events.py"
    text = events.read_text(encoding="utf-8")
    for pattern, replacement in EVENTS_EDITS:
        text, n = re.subn(pattern, replacement, text, count=1)
        assert n == 1, f"core/events.py no longer has the place for: {pattern}"
    events.write_text(text, encoding="utf-8")
    return root / "src"


def test_a_new_detector_needs_its_module_its_toml_section_and_its_event_type_only(tmp_path: Path) -> None:
    source = _copy_with_a_new_detector(tmp_path / "copy")
    env = {**os.environ, "PYTHONPATH": str(source)}
    script = tmp_path / "checks.py"
    script.write_text(CHECKS, encoding="utf-8")
    sample = SAMPLES / "dma_aislib_stream_20100611.nmea"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "store"), str(sample)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["package"].startswith(str(source))
    assert "probe" in found["registry"]
    assert found["detect"].get("probe", 0) > 0
    assert {"name": "probe", "label": "Probe (a test detector)", "colour": "#123456"} in found["types"]
    assert found["filtered"][0] == 200 and found["filtered"][1] == found["detect"]["probe"]
    assert found["detail"]["fixes"] >= 20
    assert found["case"] == [200, True]


def test_the_web_map_and_the_report_templates_name_no_event_type() -> None:
    """They take types, labels and colours from the API (`/api/event-types`) or the enum, so a new type
    needs no edit there."""
    from shadowfleet.core.events import EventType

    package = REPO / "src" / "shadowfleet"
    files = [p for p in (package / "api" / "static").glob("*.*") if p.suffix in (".js", ".html", ".css")]
    files += sorted((package / "report" / "templates").glob("*"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        for kind in EventType:
            assert not re.search(rf"[\"'`]{kind.value}[\"'`]", text), f"{path.name} names {kind.value}"
