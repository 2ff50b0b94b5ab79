"""Every vessel of the store scored by risk-v1: `risk_score` 0-100, a band, the top reasons, every finding."""

from __future__ import annotations

import json

import pyarrow as pa

from shadowfleet.core.schema import RISK, check
from shadowfleet.risk.evaluate import EVALUATORS
from shadowfleet.risk.features import SCORER_VERSION, Finding, band
from shadowfleet.risk.view import StoreView

TOP_REASONS = 3


def score_vessel(mmsi: int, view: StoreView) -> tuple[float, list[Finding]]:
    """The score and the findings behind it; a `cap` finding where the sum passed 100."""
    mine = view.events_of(mmsi)
    findings = [f for evaluate in EVALUATORS for f in evaluate(mmsi, mine, view) if f.points > 0]
    raw = round(sum(f.points for f in findings), 1)
    if raw > 100:
        findings.append(Finding("cap", 0.0, round(100 - raw, 1), f"the sum {raw:g} is capped at 100"))
    return min(raw, 100.0), findings


def candidates(view: StoreView) -> list[int]:
    """Vessels with anything to score: a party to an event, or a list match."""
    found = {party for e in view.events for party in e.parties}
    return sorted(found | set(view.matches))


def score_all(view: StoreView) -> pa.Table:
    rows = []
    for mmsi in candidates(view):
        score, findings = score_vessel(mmsi, view)
        if score <= 0:
            continue
        vessel = view.vessel(mmsi)
        top = sorted((f for f in findings if f.feature != "cap"), key=lambda f: -f.points)[:TOP_REASONS]
        rows.append(
            {
                "mmsi": mmsi,
                "name": vessel.name,
                "imo": vessel.imo,
                "flag": view.flag(mmsi),
                "ship_type": vessel.ship_type,
                "risk_score": score,
                "band": band(score),
                "reasons": [f"{f.points:g} {f.feature}: {f.reason}" for f in top],
                "findings": json.dumps([f.to_json() for f in findings]),
                "events": sorted({e for f in findings for e in f.events}),
                "scorer_version": SCORER_VERSION,
            }
        )
    rows.sort(key=lambda r: (-float(r["risk_score"]), int(r["mmsi"])))  # type: ignore[arg-type]
    return check(pa.Table.from_pylist(rows, schema=RISK.schema), RISK)
