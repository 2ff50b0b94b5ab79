"""Candidate names for a query: character trigrams of each token, counted with numpy.

Scoring every listed name for every query is what makes yente slow (~4 queries/s per vCPU,
reference.md §5); trigram overlap (Dice) picks a few dozen candidates, robust to typos, reordered
tokens and split syllables, and only those are compared in full.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from shadowfleet.screening.names import NameKey


def grams(key: NameKey) -> set[str]:
    found: set[str] = set()
    for token in key.tokens:
        padded = f" {token} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


class GramIndex:
    """Inverted index from trigram to the names (by position in `keys`) that contain it."""

    def __init__(self, keys: list[NameKey]) -> None:
        self.vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for row, key in enumerate(keys):
            for gram in grams(key):
                cols.append(self.vocab.setdefault(gram, len(self.vocab)))
                rows.append(row)
        order = np.argsort(np.asarray(cols, dtype=np.int64), kind="stable")
        postings = np.asarray(rows, dtype=np.int32)[order]
        bounds = np.searchsorted(np.asarray(cols, dtype=np.int64)[order], np.arange(len(self.vocab) + 1)).tolist()
        # one view per trigram, looked up by the trigram itself: slicing with numpy scalars costs more
        # than the counting
        views = [postings[start:end] for start, end in pairwise(bounds)]
        self.postings = dict(zip(self.vocab, views, strict=True))
        self.sizes = np.bincount(np.asarray(rows, dtype=np.int64), minlength=len(keys)).astype(np.float64)
        self.shortest = float(self.sizes.min()) if len(keys) else 0.0

    def candidates(self, key: NameKey, limit: int, min_dice: float) -> list[int]:
        """Up to `limit` names sharing the most trigrams with `key` (Dice >= min_dice), best first."""
        query = grams(key)
        found = [p for g in query if (p := self.postings.get(g)) is not None]
        if not found:
            return []
        counts = np.bincount(np.concatenate(found), minlength=len(self.sizes))
        # Dice >= min_dice needs at least this many shared trigrams even against the shortest name:
        # a cheap integer cut before the division (an integer bound: comparing with a float converts
        # every count)
        need = math.ceil(max(1.0, min_dice * (len(query) + self.shortest) / 2.0))
        rows = (counts >= need).nonzero()[0]
        dice = counts[rows] * 2.0 / (len(query) + self.sizes[rows])
        keep = dice >= min_dice
        if not keep.all():
            rows, dice = rows[keep], dice[keep]
        if len(rows) > limit:
            best = np.argpartition(-dice, limit)[:limit]
            rows, dice = rows[best], dice[best]
        found_rows: list[int] = rows[np.argsort(-dice, kind="stable")].tolist()
        return found_rows
