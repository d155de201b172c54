"""Graph-aware item vectors: each item's audience folded into its own vector (METHOD.md,
"The audience folded into the item": ``prompt.sequence_neighbours: table``).

    x̂_i = unit(x_i - x̄)                          the item's own external vector, centred
    û_v = unit(u_v - ū)                           a user's external vector, centred
    a_i = S_i / d_i,  S_i = Σ_{v ∈ N(i)} û_v       the mean of i's training users (its audience)
    c_i = unit(a_i - ā)                           (0 when the audience is empty)
    z_i = unit(x̂_i + c_i - m̄)

One GNN propagation step over the training graph. The means x̄, ū, ā (of a_i) and m̄ (of
x̂_i + c_i) are taken once over the whole table and then fixed. The tied head scores against
z_i. The input token of user u's item i leaves u out of i's audience when (u, i) is a training
edge, a_i = (S_i - û_u) / (d_i - 1), so a training position sees nothing of its user's later
items through its tokens (u's own vector holds them all). Nothing here trains.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from galrec.graph.bipartite import BipartiteGraph
from galrec.model.external import ExternalEmbeddings, centred


def unit_centred(table: torch.Tensor) -> torch.Tensor:
    """``centred`` rows, each scaled to unit length; row 0 (padding) stays zero. [n + 1, d]"""
    return F.normalize(centred(table), dim=-1, eps=1e-9)


class ItemGraphTable(nn.Module):
    """Fixed audience sums over ``graph`` (training edges only) of the external ``items`` [n_items + 1, d]
    and ``users`` [n_users + 1, d] tables."""

    def __init__(self, items: torch.Tensor, users: torch.Tensor, graph: BipartiteGraph) -> None:
        super().__init__()
        if (graph.n_items + 1, graph.n_users + 1) != (items.shape[0], users.shape[0]):
            raise ValueError(
                f"tables of {items.shape[0] - 1} items / {users.shape[0] - 1} users do not fit a graph of "
                f"{graph.n_items} items / {graph.n_users} users"
            )
        item_unit = unit_centred(items.double())  # [n_items + 1, d]
        user_unit = unit_centred(users.double())  # [n_users + 1, d]
        sums = torch.from_numpy(graph.item_user @ user_unit.numpy())  # [n_items + 1, d]
        degree = torch.from_numpy(np.diff(graph.item_user.indptr)).double()  # [n_items + 1] (binary CSR)
        audience = sums / degree.clamp(min=1)[:, None]
        buffers = {"item_unit": item_unit, "user_unit": user_unit, "sums": sums, "degree": degree,
                   "audience_mean": audience[1:].mean(dim=0)}  # ā [d]
        for name, value in buffers.items():
            self.register_buffer(name, value.float(), persistent=False)
        coo = graph.user_item.tocoo()
        keys = np.sort(coo.row.astype(np.int64) * (graph.n_items + 1) + coo.col)  # [E] u · (n + 1) + i
        self.register_buffer("edge_keys", torch.from_numpy(keys), persistent=False)
        self.row_width = graph.n_items + 1
        ids = torch.arange(items.shape[0])
        m_bar = self.own_plus_audience(ids, self.sums, self.degree)[1:].mean(dim=0)  # m̄ [d]
        self.register_buffer("sum_mean", m_bar, persistent=False)
        self.register_buffer("table", self.fold(ids, self.sums, self.degree), persistent=False)  # z [n_items + 1, d]

    def own_plus_audience(self, items: torch.Tensor, sums: torch.Tensor, degree: torch.Tensor) -> torch.Tensor:
        """x̂_i + c_i of ids [...] with audience sums [..., d] over degree [...] users. [..., d]"""
        c = F.normalize(sums / degree.clamp(min=1)[..., None] - self.audience_mean, dim=-1, eps=1e-9)
        return self.item_unit[items] + torch.where(degree[..., None] > 0, c, 0.0)

    def fold(self, items: torch.Tensor, sums: torch.Tensor, degree: torch.Tensor) -> torch.Tensor:
        """z of ids [...] (0 for padding) from their audience sums and degrees. [..., d]"""
        z = F.normalize(self.own_plus_audience(items, sums, degree) - self.sum_mean, dim=-1, eps=1e-9)
        return torch.where(items[..., None] > 0, z, 0.0)

    def is_edge(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Whether each (user, item) of broadcastable ids is a training edge. [...] bool"""
        query = users * self.row_width + items
        pos = torch.searchsorted(self.edge_keys, query).clamp(max=len(self.edge_keys) - 1)
        return (self.edge_keys[pos] == query) & (items > 0)

    def tokens(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Input vectors of users [B]' items [B, L]: z_i with the row's user left out of the
        audience of each item it trained on. [B, L, d]"""
        own = self.is_edge(users[:, None], items).float()  # [B, L]
        sums = self.sums[items] - own[..., None] * self.user_unit[users][:, None]  # [B, L, d]
        return self.fold(items, sums, self.degree[items] - own)


def item_graph_for(sequence_neighbours: str, external: ExternalEmbeddings, graph: BipartiteGraph) -> ItemGraphTable | None:
    """The table ``prompt.sequence_neighbours: table`` reads, over ``graph`` (training edges only); None otherwise."""
    if sequence_neighbours != "table":
        return None
    return ItemGraphTable(external.item_table, external.user_table, graph)
