"""Heads on the pooled prompt vector h [B, H]: the contrastive projection and the catalogue scorer."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from galrec.baselines.catalogue_ce import catalogue_cross_entropy


class ProjectionHead(nn.Module):
    """z = normalize(W2 GELU(W1 h)), H -> H -> P: the contrastive space of L1-L3 (as in SimCLR/MoCo v2).

    Outputs are unit vectors, so queue keys and bank means are cosine-ready.
    """

    def __init__(self, hidden: int, proj_dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, proj_dim))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """[..., H] -> unit vectors [..., P]"""
        return F.normalize(self.net(h), dim=-1)


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
