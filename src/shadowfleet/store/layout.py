"""Where every table of a store lives: one map, so no other module spells a path inside a store.

The ingested tables (positions, static, rejects) are Parquet datasets committed by batches
(`store.Batch`). The derived tables are single files the pipeline rewrites whole, atomically and
under the store lock (`Store.write`). Lists, users and the decision log are the store's documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shadowfleet.core import schema
from shadowfleet.core.schema import Table


@dataclass(frozen=True)
class Derived:
    """A table the pipeline writes whole: its schema and its one file under the store root."""

    spec: Table
    relative: str
    # old column name -> new, so a store written before a rename still reads
    renamed: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name


# ingested, by batch: `<name>/date=YYYY-MM-DD/part-<batch>-<n>.parquet` (rejects: `rejects/part-...`)
INGESTED = (schema.POSITIONS, schema.STATIC, schema.REJECTS)

EVENTS = Derived(schema.EVENTS, "events/events.parquet")  # upserted by every detect run
MATCHES = Derived(schema.VESSEL_MATCHES, "screening/vessel_matches.parquet")
RISK = Derived(schema.RISK, "risk/risk.parquet", {"score": "risk_score"})
ALERTS = Derived(schema.ALERTS, "alerts/alerts.parquet", {"score": "risk_score"})  # keeps analysts' decisions
ANCHORAGES = Derived(schema.ANCHORAGES, "anchorages/anchorages.parquet")  # replaced by every detect run
DERIVED = {d.name: d for d in (EVENTS, ANCHORAGES, MATCHES, RISK, ALERTS)}

MANIFEST = "manifest.json"
DECISIONS = "alerts/decisions.jsonl"  # every analyst decision, appended, never rewritten
LISTS = "lists"  # lists/<name>/versions.json and lists/<name>/<version>/{entries,problems}.parquet
USERS = "users.json"  # API users and their key hashes
RAW = "raw"  # raw/<feed>/<start>.nmea: a live feed's bytes, the `source` of its rows
