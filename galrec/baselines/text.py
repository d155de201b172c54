"""Item text as a recommender: no interaction enters the item vectors.

    e_i = normalise(MiniLM(title_i · categories_i))        [n_items + 1, d], row 0 zeros
    e_u = mean_{j ∈ history(u)} e_j                         (user_embeddings: the training part)
    s(u, i) = e_u · e_i

Its use is the item table *without* collaborative signal: a language model that reads it
(``external.source: text``) learns everything collaborative from the sequences and, in GAL-Rec,
from the neighbourhood tokens (each item's audience: the mean e_u of its other users), where
SASRec's or LightGCN's tables already carry it (results/text-fed.md).
"""

from __future__ import annotations

import numpy as np
import torch

from galrec.baselines.base import BaselineModel
from galrec.data.dataset import Interactions
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph


def item_texts(data: Interactions, categories: bool) -> list[str]:
    """Each real item's title, with its category path after it when ``categories``. [n_items]"""
    if not categories:
        return [t or "" for t in data.titles[1:]]
    return [" | ".join(p for p in (t, c) if p) for t, c in zip(data.titles[1:], data.categories[1:])]


class TextContent(BaselineModel):
    """The item table is filled by ``fit`` (an encoder's vectors) or by a saved state."""

    def __init__(self, n_items: int, dim: int) -> None:
        super().__init__()
        self.register_buffer("item_table", torch.zeros(n_items + 1, dim))  # [n_items + 1, d]

    @torch.no_grad()
    def fit(self, vectors: torch.Tensor) -> None:
        """vectors [n_items, d], one per real item (row 1 onwards), unit length."""
        if vectors.shape != (self.item_table.shape[0] - 1, self.item_table.shape[1]):
            table = tuple(self.item_table.shape)
            raise ValueError(f"{tuple(vectors.shape)} text vectors for a table of {table}")
        self.item_table[1:] = vectors

    def represent(self, histories: torch.Tensor) -> torch.Tensor:
        """Left-padded histories [B, L] -> mean item vectors [B, d] (zeros for an empty history)."""
        real = (histories > 0).to(self.item_table.dtype)[..., None]  # [B, L, 1]
        return (self.item_table[histories] * real).sum(1) / real.sum(1).clamp(min=1.0)  # [B, d]

    def score(self, users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        return self.represent(histories) @ self.item_table.T  # [B, n_items + 1]

    def item_embeddings(self) -> torch.Tensor:
        return self.item_table.clone()  # [n_items + 1, d]

    def user_embeddings(self, loo: LeaveOneOut) -> torch.Tensor:
        R = BipartiteGraph.from_sequences(loo.train, loo.data.n_items).user_item  # [n_users + 1, n_items + 1]
        counts = np.asarray(R.sum(axis=1)).ravel().clip(min=1.0)  # [n_users + 1]
        means = (R @ self.item_table.numpy()) / counts[:, None]  # [n_users + 1, d]
        return torch.from_numpy(np.asarray(means, dtype=np.float32))
