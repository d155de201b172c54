"""Popularity: every user gets the same ranking, by interaction count in the training part."""

from __future__ import annotations

import numpy as np
import torch

from galrec.baselines.base import BaselineModel
from galrec.data.sequences import Sequences


class Pop(BaselineModel):
    """score(u, i) = position of i in the catalogue sorted by training count.

    The evaluation's tie rule favours the target (rank = 1 + strictly higher scores), so equal
    counts would flatter this model; ties are broken by a seeded random order, and the scores are
    the resulting integer positions (exact in float32, unlike count + a small fraction).
    """

    has_embeddings = False

    def __init__(self, train: Sequences, n_items: int, seed: int = 0) -> None:
        super().__init__()
        counts = np.bincount(train.items, minlength=n_items + 1)  # [n_items + 1]
        tie = np.random.default_rng(seed).permutation(n_items + 1)
        order = np.lexsort((tie, counts))  # least popular first
        position = np.empty(n_items + 1, dtype=np.float32)
        position[order] = np.arange(n_items + 1, dtype=np.float32)
        self.register_buffer("item_scores", torch.from_numpy(position))  # [n_items + 1]

    def score(self, users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        return self.item_scores[None, :].expand(len(users), -1)  # [B, n_items + 1]
