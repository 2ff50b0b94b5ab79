"""Detection quality over many simulated scenarios: seeds x regions x reception models, each through
`simulate` -> `ingest` -> `detect` -> `evaluate` (the real commands, as a user runs them).

Prints precision / recall (cases found / cases) per event type per scenario, the macro F1, the alarms on
decoys, the encounter alarms at outer anchorages and the gap alarms inside coverage holes, then the mean
over the scenarios. An alarm is what `evaluate` says it is (score >= 0.3 and not in port). Every scenario
draws its own details from its seed (shore range, passes, holes, anchorages, durations: see
`shadowfleet.simulate.details`), so use seeds beyond the ones you tuned on.

    python benchmarks/eval_scenarios.py [--seeds 11,12] [--regions yellow_sea,east_china_sea,sea_of_japan]
        [--reception mixed,terrestrial] [--vessels 200] [--days 4] [--jobs 1] [--out DIR] [--markdown]
        [--json FILE] [--redetect]

`--redetect` with `--out` reuses each scenario's kept simulation and store and runs detect and evaluate
again: a detector change measured in seconds per scenario (the simulation is the same for a seed).

`make eval` runs the defaults (12 scenarios, about 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shadowfleet.core.events import EventType

TYPES = tuple(str(t) for t in EventType)
SHORT = {
    "encounter": "enc",
    "loitering": "loit",
    "ais_gap": "gap",
    "position_jump": "jump",
    "identity_clash": "clash",
    "invalid_identity": "ident",
    "zone_visit": "zone",
    "draught_change": "draught",
}


@dataclass(frozen=True)
class Scenario:
    seed: int
    region: str
    reception: str

    @property
    def name(self) -> str:
        return f"{self.seed}_{self.region}_{self.reception}"


def _shadowfleet(*args: str | Path) -> str:
    """Run one `shadowfleet` command; its stdout, or the error it failed with."""
    done = subprocess.run(
        [sys.executable, "-m", "shadowfleet", *map(str, args)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"shadowfleet {' '.join(map(str, args[:1]))} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def run_scenario(s: Scenario, root: Path, vessels: int, days: float, redetect: bool = False) -> dict[str, Any]:
    out = root / s.name
    sim, store, events = out / "sim", out / "store", out / "events.parquet"
    if not (redetect and (sim / "truth.json").exists() and store.exists()):
        _shadowfleet(
            "simulate", "--out", sim, "--vessels", str(vessels), "--days", str(days), "--seed", str(s.seed),
            "--region", s.region, "--reception", s.reception,
        )  # fmt: skip
        _shadowfleet("ingest", sim / "ais.csv", "--store", store, "--quiet", "--json")
    # detect upserts into an existing file: events the new run no longer finds would stay in it
    events.unlink(missing_ok=True)
    _shadowfleet("detect", "--store", store, "--out", events, "--top", "0")
    result: dict[str, Any] = json.loads(
        _shadowfleet("evaluate", "--truth", sim / "truth.json", "--events", events, "--json")
    )
    truth = json.loads((sim / "truth.json").read_text(encoding="utf-8"))
    result["unobservable_cases"] = len(truth.get("unobservable", []))
    return result


def _cell(score: dict[str, Any]) -> str:
    return f"{score['precision']:.2f} / {score['recall']:.2f} ({score['matched_cases']}/{score['cases']})"


def _counts(result: dict[str, Any]) -> list[str]:
    return [
        f"{result['macro_f1']:.2f}",
        str(len(result["decoy_alarms"])),
        str(result["anchorage_encounter_alarms"]),
        str(result["hole_gap_alarms"]),
        str(result.get("unobservable_cases", 0)),
    ]


def table(results: dict[Scenario, dict[str, Any]]) -> list[list[str]]:
    """Header, one row per scenario, and the mean row."""
    rows = [["reception", "region", "seed", *TYPES, "macro F1", "decoy alarms", "enc. at anchorages",
             "gaps in holes", "unobservable"]]  # fmt: skip
    for s, r in results.items():
        rows.append([s.reception, s.region, str(s.seed), *(_cell(r["by_type"][t]) for t in TYPES), *_counts(r)])
    if results:
        n = len(results)
        mean = ["mean", f"{n} scenarios", ""]
        for t in TYPES:
            p = sum(r["by_type"][t]["precision"] for r in results.values()) / n
            rec = sum(r["by_type"][t]["recall"] for r in results.values()) / n
            found = sum(r["by_type"][t]["matched_cases"] for r in results.values())
            cases = sum(r["by_type"][t]["cases"] for r in results.values())
            mean.append(f"{p:.2f} / {rec:.2f} ({found}/{cases})")
        mean.append(f"{sum(r['macro_f1'] for r in results.values()) / n:.2f}")
        for key in ("decoy_alarms", "anchorage_encounter_alarms", "hole_gap_alarms", "unobservable_cases"):
            total = sum(len(r[key]) if isinstance(r[key], list) else r[key] for r in results.values())
            mean.append(f"{total / n:.1f}")
        rows.append(mean)
    return rows


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def plain(rows: list[list[str]]) -> str:
    """One line per scenario (the full table is too wide for a terminal)."""
    head = rows[0]
    lines = []
    for r in rows[1:]:
        title = " ".join(x for x in r[:3] if x)
        cells = [f"{SHORT.get(h, h)} {v}" for h, v in zip(head[3:], r[3:], strict=True)]
        lines.append(f"{title}: " + "; ".join(cells))
    return "\n".join(lines)


def _list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="11,12", help="comma-separated seeds")
    parser.add_argument("--regions", default="yellow_sea,east_china_sea,sea_of_japan")
    parser.add_argument("--reception", default="mixed,terrestrial", help="mixed, terrestrial or both, comma-separated")
    parser.add_argument("--vessels", type=int, default=200, help="background vessels per scenario")
    parser.add_argument("--days", type=float, default=4)
    parser.add_argument("--jobs", type=int, default=1, help="scenarios run at once")
    parser.add_argument("--out", type=Path, help="keep each scenario's files here (default: a temporary folder)")
    parser.add_argument("--markdown", action="store_true", help="print one Markdown table (for the README)")
    parser.add_argument("--json", type=Path, help="also write every evaluation to this file")
    parser.add_argument(
        "--redetect", action="store_true", help="with --out: reuse a scenario's kept simulation and store, detect again"
    )
    args = parser.parse_args(argv)
    scenarios = [
        Scenario(int(seed), region, reception)
        for reception in _list(args.reception)
        for region in _list(args.regions)
        for seed in _list(args.seeds)
    ]
    with tempfile.TemporaryDirectory(prefix="shadowfleet-eval-") as scratch:
        root = args.out or Path(scratch)
        with ThreadPoolExecutor(max(args.jobs, 1)) as pool:
            futures = {s: pool.submit(run_scenario, s, root, args.vessels, args.days, args.redetect) for s in scenarios}
            results: dict[Scenario, dict[str, Any]] = {}
            for s, future in futures.items():
                try:
                    results[s] = future.result()
                except RuntimeError as exc:
                    print(f"{s.name}: {exc}", file=sys.stderr)
    rows = table(results)
    print(markdown(rows) if args.markdown else plain(rows))
    if args.json:
        args.json.write_text(json.dumps({s.name: r for s, r in results.items()}, indent=1), encoding="utf-8")
    return 0 if len(results) == len(scenarios) else 1


if __name__ == "__main__":
    sys.exit(main())
