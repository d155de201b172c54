"""LightGCN (He et al., SIGIR 2020) over the training graph.

    E^(k+1) = Â E^(k),   Â = D^-1/2 A D^-1/2,   A = [[0, R], [Rᵀ, 0]],   E = 1/(K+1) Σ_k E^(k)
    s(u, i) = e_u · e_i
    L = -mean log σ(s(u, i⁺) - s(u, i⁻)) + λ / B Σ_batch (|e⁰_u|² + |e⁰_i⁺|² + |e⁰_i⁻|²)

R is the user-item matrix of ``LeaveOneOut.train`` only; validation and test edges never enter Â.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from torch import nn

from galrec.baselines.base import BaselineModel, Batch
from galrec.baselines.configs import LightGCNConfig
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph


def normalized_adjacency(graph: BipartiteGraph) -> torch.Tensor:
    """Â over users (rows 0..n_users) then items, as a torch sparse CSR tensor. [N, N]

    CSR, because torch's CPU product with it is ~3x faster than with COO.
    """
    R = graph.user_item.astype(np.float32)
    A = sp.bmat([[None, R], [R.T, None]], format="csr")  # [N, N]
    deg = np.asarray(A.sum(axis=1)).ravel()
    inv_sqrt = np.zeros_like(deg)
    inv_sqrt[deg > 0] = deg[deg > 0] ** -0.5  # isolated nodes (padding, unseen items) stay 0
    D = sp.diags(inv_sqrt)
    A = (D @ A @ D).tocsr()
    A.sort_indices()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(
            torch.from_numpy(A.indptr.astype(np.int64)),
            torch.from_numpy(A.indices.astype(np.int64)),
            torch.from_numpy(A.data.astype(np.float32)),
            size=A.shape,
            check_invariants=True,
        )


class SymmetricSpMM(torch.autograd.Function):
    """y = Â x for a symmetric sparse Â, with the backward pass Âᵀ g = Â g.

    torch's own backward of sparse @ dense transposes Â at every step, which makes it several
    times slower than the product itself on CPU.
    """

    @staticmethod
    def forward(ctx, adj: torch.Tensor, x: torch.Tensor) -> torch.Tensor:  # noqa: ANN001
        ctx.adj = adj
        return torch.sparse.mm(adj, x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[None, torch.Tensor]:  # noqa: ANN001
        return None, torch.sparse.mm(ctx.adj, grad)


class LightGCN(BaselineModel):
    def __init__(self, graph: BipartiteGraph, cfg: LightGCNConfig) -> None:
        super().__init__()
        self.n_users, self.n_items = graph.n_users, graph.n_items
        self.layers, self.reg = cfg.layers, cfg.reg
        self.user_emb = nn.Embedding(self.n_users + 1, cfg.dim, padding_idx=0)
        self.item_emb = nn.Embedding(self.n_items + 1, cfg.dim, padding_idx=0)
        # Rebuilt from the training graph on load, so it stays out of the state dict.
        self.register_buffer("adj", normalized_adjacency(graph), persistent=False)
        self._cache: tuple[tuple, tuple[torch.Tensor, torch.Tensor]] | None = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Xavier-uniform, as in the paper's code; padding rows zero."""
        for emb in (self.user_emb, self.item_emb):
            nn.init.xavier_uniform_(emb.weight)
            with torch.no_grad():
                emb.weight[0].zero_()

    def propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer-averaged embeddings: users [n_users + 1, d], items [n_items + 1, d].

        Without autograd (evaluation scores users batch by batch) the result is reused until the
        weights change: the key holds the weights' in-place version counters, which every
        optimiser step and ``load_state_dict`` bump.
        """
        if torch.is_grad_enabled():
            return self._propagate()
        key = tuple((w.data_ptr(), w._version) for w in (self.user_emb.weight, self.item_emb.weight))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self._propagate())
        return self._cache[1]

    def _propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.cat([self.user_emb.weight, self.item_emb.weight])  # [N, d]
        total = x
        for _ in range(self.layers):
            x = SymmetricSpMM.apply(self.adj, x)  # [N, d]
            total = total + x
        total = total / (self.layers + 1)
        return total.split([self.n_users + 1, self.n_items + 1])

    def calculate_loss(self, batch: Batch) -> torch.Tensor:
        u, p, n = batch["user"], batch["pos"], batch["neg"]  # [B] each
        users, items = self.propagate()
        pos_s = (users[u] * items[p]).sum(-1)  # [B]
        neg_s = (users[u] * items[n]).sum(-1)  # [B]
        bpr = F.softplus(neg_s - pos_s).mean()  # = -log σ(pos - neg)
        l2 = self.user_emb(u).pow(2).sum() + self.item_emb(p).pow(2).sum() + self.item_emb(n).pow(2).sum()
        return bpr + self.reg * l2 / len(u)

    def score(self, users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        """Known users use their own vector; user 0 (unknown) the mean of its history's items."""
        user_vecs, item_vecs = self.propagate()
        real = (histories > 0).float()[..., None]  # [B, L, 1]
        hist_mean = (item_vecs[histories] * real).sum(1) / real.sum(1).clamp(min=1)  # [B, d]
        u = torch.where((users > 0)[:, None], user_vecs[users], hist_mean)  # [B, d]
        return u @ item_vecs.T  # [B, n_items + 1]

    @torch.no_grad()
    def item_embeddings(self) -> torch.Tensor:
        return self.propagate()[1].clone()  # [n_items + 1, d]

    @torch.no_grad()
    def user_embeddings(self, loo: LeaveOneOut) -> torch.Tensor:
        if loo.data.n_users != self.n_users:
            raise ValueError(f"model has {self.n_users} users, the split {loo.data.n_users}")
        return self.propagate()[0].clone()  # [n_users + 1, d]
