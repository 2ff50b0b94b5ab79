"""Precision, recall and F1 of pair scores against their labels, per group and overall.

A pairs file may carry a `label` column (1/0, true/false, yes/no, match/no-match, same/different) and a
`group` column (the phenomenon the pair tests); a pair is called a match when its score reaches the
threshold. Unlabelled pairs are scored but not counted.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

COMPARE_THRESHOLD = 0.7  # the cut issue #12 and logic-v2's published figures use for pair files
_YES = frozenset({"1", "true", "yes", "y", "match", "same", "positive", "pos", "t"})
_NO = frozenset({"0", "false", "no", "n", "no-match", "no_match", "nomatch", "different", "negative", "neg", "f"})


def label_of(text: str | None) -> bool | None:
    """True (one party), False (two) or None (no label); an unknown word is an error."""
    word = (text or "").strip().casefold()
    if not word:
        return None
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(f"label {text!r}: use 1/0, true/false, match/no-match")


@dataclass(frozen=True)
class GroupScore:
    group: str
    pairs: int
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "group": self.group,
            "pairs": self.pairs,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def _score(group: str, rows: list[tuple[bool, float]], threshold: float) -> GroupScore:
    tp = sum(1 for label, s in rows if label and s >= threshold)
    fp = sum(1 for label, s in rows if not label and s >= threshold)
    fn = sum(1 for label, s in rows if label and s < threshold)
    return GroupScore(group, len(rows), tp, fp, fn, len(rows) - tp - fp - fn)


def group_scores(scored: Path, threshold: float = COMPARE_THRESHOLD) -> list[GroupScore]:
    """Per group (sorted), then 'all': from the scores file `screen compare` wrote."""
    by_group: dict[str, list[tuple[bool, float]]] = {}
    with scored.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label = label_of(row.get("label"))
            if label is not None:
                by_group.setdefault(row.get("group") or "-", []).append((label, float(row["score"])))
    if not by_group:
        return []
    every = [r for rows in by_group.values() for r in rows]
    return [*(_score(g, by_group[g], threshold) for g in sorted(by_group)), _score("all", every, threshold)]
