"""Approximate top-k by inner product for large catalogues (faiss), history exclusion kept exact.

A model can use the index when its scores are ``represent(histories) @ item_embeddings().T``
(SASRec's are; ``factorises`` checks it numerically before the index is trusted). The index is an
inverted file over the item vectors (``IndexIVFFlat``, inner product): ``nlist`` k-means cells,
of which a query scans the ``nprobe`` nearest, so a query costs about ``nprobe / nlist`` of brute
force while the vectors stay exact (no compression). The index cannot drop a user's history by
itself, so a search fetches ``k`` plus the number of distinct history items and drops them
afterwards: every returned item is outside the history, and no more than ``k`` are lost to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np
import torch

ANN_MIN_ITEMS = 100_000  # below this brute force is a few ms per batch: the index buys nothing
NPROBE = 128  # cells scanned per query: recall@10 0.96 against exact at 1M items (results/serve/ann.md)
TRAIN_PER_CELL = 64  # k-means training vectors per cell (faiss warns below 39)


def default_nlist(n_items: int) -> int:
    """About sqrt(N) cells: 1,000 at 1M items. faiss suggests 4-16 sqrt(N), but k-means over that
    many cells takes minutes on one core, and sqrt(N) already scans 1-3 % of the items per query."""
    return max(1, int(np.sqrt(n_items)))


@dataclass
class ItemIndex:
    index: faiss.IndexIVFFlat
    n_items: int

    @classmethod
    def build(
        cls, item_vectors: np.ndarray, nlist: int | None = None, nprobe: int = NPROBE, seed: int = 0
    ) -> ItemIndex:
        """``item_vectors`` [n_items + 1, d] with row 0 the padding item (left out of the index)."""
        vecs = np.ascontiguousarray(item_vectors[1:], dtype=np.float32)  # [N, d]; faiss row r = item r + 1
        n, d = vecs.shape
        nlist = min(nlist or default_nlist(n), n)
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(seed)
        sample = vecs[rng.choice(n, size=min(n, nlist * TRAIN_PER_CELL), replace=False)]
        index.cp.seed = seed
        index.train(sample)
        index.add(vecs)
        index.nprobe = min(nprobe, nlist)
        return cls(index, n)

    @property
    def nprobe(self) -> int:
        return int(self.index.nprobe)

    def search(self, queries: np.ndarray, k: int, histories: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """queries [B, d], histories of internal ids -> ``(items [B, k], scores [B, k])``, best first,
        no history item; a row with fewer than ``k`` candidates ends in item 0 with score -inf."""
        distinct = [np.unique(h) for h in histories]
        fetch = min(k + max((len(h) for h in distinct), default=0), self.n_items)
        scores, rows = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), fetch)  # [B, fetch]
        found = rows + 1  # internal ids; faiss's -1 (no candidate) becomes 0
        items = np.zeros((len(queries), k), dtype=np.int64)
        top = np.full((len(queries), k), -np.inf, dtype=np.float32)
        for j, h in enumerate(distinct):
            keep = (found[j] > 0) & ~np.isin(found[j], h)
            kept_items, kept_scores = found[j][keep][:k], scores[j][keep][:k]
            items[j, : len(kept_items)] = kept_items
            top[j, : len(kept_items)] = kept_scores
        return items, top


def factorises(model: object, item_vectors: torch.Tensor, histories: torch.Tensor) -> bool:
    """Whether ``model.score(0, h) == model.represent(h) @ item_vectors.T`` on sample ``histories`` [B, L]."""
    represent = getattr(model, "represent", None)
    if not callable(represent):
        return False
    with torch.no_grad():
        users = torch.zeros(len(histories), dtype=torch.long, device=histories.device)
        exact = model.score(users, histories).float()  # type: ignore[attr-defined]  # [B, n_items + 1]
        q = represent(histories).float()  # [B, d]
        if q.ndim != 2 or q.shape[1] != item_vectors.shape[1]:
            return False
        return bool(torch.allclose(q @ item_vectors.T.float(), exact, rtol=1e-4, atol=1e-4))
