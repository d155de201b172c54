"""Heads on the pooled prompt vector h [B, H]: the contrastive projection and the catalogue scorer."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from galrec.baselines.catalogue_ce import catalogue_cross_entropy


class ProjectionHead(nn.Module):
    """z = normalize(standardize(W2 GELU(W1 h))), H -> H -> P: the contrastive space of L1-L3.

    Outputs are unit vectors, so queue keys and bank means are cosine-ready.

    Each feature is standardised over the rows of the call before the unit norm (BatchNorm
    without affine parameters or running statistics, as at the end of MoCo v3's projector).
    The pooled vectors of a language model share one dominant direction (99.9% of their
    energy for the 2-layer SmolLM2), so without it every E0 starts at nearly the same unit
    vector and InfoNCE against a queue of older keys is cheapest to lower by moving all live
    vectors together, away from the queue, rather than apart: the space collapses and L1-L3
    sit at chance (METHOD.md, "Why the graph losses sat at chance"). A shift shared by every
    row of a call now never reaches the cosine, and gets no gradient.
    """

    def __init__(self, hidden: int, proj_dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, proj_dim))

    def forward(self, h: torch.Tensor, counts: torch.Tensor | None = None) -> torch.Tensor:
        """h [..., H] -> unit vectors [..., P]; ``counts`` [...] (bool) picks the rows whose
        statistics standardise all of them (default: every row). A call needs several rows
        (a batch, or a batch's bank rows): a single one standardises to 0."""
        return F.normalize(standardize(self.net(h), counts), dim=-1)


def standardize(x: torch.Tensor, counts: torch.Tensor | None = None, eps: float = 1e-5) -> torch.Tensor:
    """Zero mean, unit variance per feature over the rows of x [..., P] that counts [...] marks.

    Gradients flow through the statistics, as in BatchNorm, so a shift that every row shares
    gets none. Rows outside ``counts`` are mapped with the same statistics; with no counted
    row the statistics are 0 and 0 (nothing to learn from, and no NaN).
    """
    rows = x.reshape(-1, x.shape[-1])  # [N, P]
    w = torch.ones_like(rows[:, :1]) if counts is None else counts.reshape(-1, 1).to(x.dtype)  # [N, 1]
    n = w.sum().clamp(min=1.0)
    mean = (rows * w).sum(0) / n  # [P]
    var = ((rows - mean) ** 2 * w).sum(0) / n  # [P]
    return (x - mean) / (var + eps).sqrt()  # [..., P]


class CatalogueHead(nn.Module):
    """Scores of every item in one matrix product (METHOD.md, "Scoring").

    tied:   s = (W h) · m(e_i) + b_i   against the mapped external item embeddings m(e_i)
    untied: s = W_out h + b            a free linear layer over the catalogue
    """

    def __init__(self, hidden: int, n_items: int, tied: bool) -> None:
        super().__init__()
        self.tied = tied
        if tied:
            self.query = nn.Linear(hidden, hidden, bias=False)
            self.item_bias = nn.Parameter(torch.zeros(n_items + 1))
        else:
            self.out = nn.Linear(hidden, n_items + 1)

    def forward(self, h: torch.Tensor, items: torch.Tensor | None) -> torch.Tensor:
        """h [B, H], items [n_items + 1, H] (the mapped item table; tied only) -> [B, n_items + 1]"""
        if not self.tied:
            return self.out(h)
        if items is None:
            raise ValueError("a tied catalogue head needs the mapped item table")
        return self.query(h) @ items.T + self.item_bias  # [B, n_items + 1]

    def loss(
        self, h: torch.Tensor, items: torch.Tensor | None, targets: torch.Tensor, matmul_dtype: torch.dtype
    ) -> torch.Tensor:
        """L0 of h [N, H] against targets [N] in 1..n_items, without the [N, n_items] scores. []

        The same value as ``cross_entropy(forward(h, items)[:, 1:], targets - 1)``; the bias rides
        on a constant feature, so the blockwise loss sees one [n_items, H + 1] table.
        """
        if self.tied:
            if items is None:
                raise ValueError("a tied catalogue head needs the mapped item table")
            q, table, bias = self.query(h), items[1:], self.item_bias[1:]  # [N, H], [n, H], [n]
        else:
            q, table, bias = h, self.out.weight[1:], self.out.bias[1:]
        q = torch.cat([q, q.new_ones(len(q), 1)], dim=1)  # [N, H + 1]
        table = torch.cat([table, bias[:, None].to(table.dtype)], dim=1)  # [n, H + 1]
        return catalogue_cross_entropy(q, table, targets - 1, matmul_dtype=matmul_dtype)
