"""Every vessel of the store scored by risk-v1: `risk_score` 0-100, a band, the top reasons, every finding."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

from shadowfleet.core.schema import RISK, check
from shadowfleet.risk.evaluate import EVALUATORS
from shadowfleet.risk.features import SCORER_VERSION, Finding, band
from shadowfleet.risk.view import StoreView

TOP_REASONS = 3


@dataclass(frozen=True)
class VesselRisk:
    """One row of the store's risk table (`core.schema.RISK`), as alerts and the API pass it."""

    mmsi: int
    name: str | None
    imo: int | None
    flag: str | None
    ship_type: int | None
    risk_score: float  # 0-100
    band: str
    reasons: tuple[str, ...]  # the top findings in words
    findings: str  # every finding as JSON
    events: tuple[str, ...]  # ids of the events the findings rest on
    scorer_version: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> VesselRisk:
        """A row read back from the table (`to_pylist`)."""
        return cls(**{**row, "reasons": tuple(row["reasons"]), "events": tuple(row["events"])})

    def row(self) -> dict[str, object]:
        return {**asdict(self), "reasons": list(self.reasons), "events": list(self.events)}


def risks_of(table: pa.Table) -> list[VesselRisk]:
    return [VesselRisk.of(r) for r in table.to_pylist()]


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
    rows: list[VesselRisk] = []
    for mmsi in candidates(view):
        score, findings = score_vessel(mmsi, view)
        if score <= 0:
            continue
        vessel = view.vessel(mmsi)
        top = sorted((f for f in findings if f.feature != "cap"), key=lambda f: -f.points)[:TOP_REASONS]
        rows.append(
            VesselRisk(
                mmsi=mmsi,
                name=vessel.name,
                imo=vessel.imo,
                flag=view.flag(mmsi),
                ship_type=vessel.ship_type,
                risk_score=score,
                band=band(score),
                reasons=tuple(f"{f.points:g} {f.feature}: {f.reason}" for f in top),
                findings=json.dumps([f.to_json() for f in findings]),
                events=tuple(sorted({e for f in findings for e in f.events})),
                scorer_version=SCORER_VERSION,
            )
        )
    rows.sort(key=lambda r: (-r.risk_score, r.mmsi))
    return check(pa.Table.from_pylist([r.row() for r in rows], schema=RISK.schema), RISK)
