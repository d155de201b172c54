"""Tiny synthetic interaction logs for the graph tests."""

from __future__ import annotations

import numpy as np
import pytest

from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences


def make_interactions(rows: list[list[int]], n_items: int, name: str = "tiny") -> Interactions:
    """Users ``u1..``, items ``i1..i{n_items}``; ``rows[u-1]`` holds internal item ids."""
    return Interactions(
        name,
        IdMap([f"u{u}" for u in range(1, len(rows) + 1)], "user"),
        IdMap([f"i{i}" for i in range(1, n_items + 1)], "item"),
        Sequences.from_lists([[], *rows]),
    )


@pytest.fixture
def random_log() -> Interactions:
    """40 users over 30 items, lengths 3..12, with revisits (some of them at the end)."""
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(40):
        row = rng.integers(1, 31, size=rng.integers(3, 13)).tolist()
        if rng.random() < 0.3:
            row[-1] = row[rng.integers(0, len(row) - 1)]  # test target repeats an earlier item
        rows.append(row)
    return make_interactions(rows, 30)
