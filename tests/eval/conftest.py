"""A tiny log and a fixed random scorer for the evaluation tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences
from galrec.data.split import LeaveOneOut

N_USERS, N_ITEMS = 30, 150  # enough items for the sampled-100 protocol


@pytest.fixture
def loo() -> LeaveOneOut:
    """Lengths 3..10 with revisits, several of them at the test position."""
    rng = np.random.default_rng(11)
    rows = []
    for u in range(N_USERS):
        row = rng.integers(1, N_ITEMS + 1, size=rng.integers(3, 11)).tolist()
        if u % 4 == 0:
            row[-1] = row[0]
        rows.append(row)
    data = Interactions(
        "tiny",
        IdMap([f"user-{u}" for u in range(1, N_USERS + 1)], "user"),
        IdMap([f"item-{i}" for i in range(1, N_ITEMS + 1)], "item"),
        Sequences.from_lists([[], *rows]),
    )
    return LeaveOneOut.from_interactions(data)


@pytest.fixture
def score_table() -> torch.Tensor:
    """Scores on a coarse grid (0..7), so ties with the target are common. [N_USERS + 1, N_ITEMS + 1]"""
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 8, (N_USERS + 1, N_ITEMS + 1), generator=g).float()


@pytest.fixture
def score_fn(score_table: torch.Tensor):
    def fn(users: torch.Tensor, hist: torch.Tensor) -> torch.Tensor:
        return score_table[users]  # [B, N_ITEMS + 1]

    return fn
