"""HR@K, NDCG@K and MRR@K from 1-based ranks (leave-one-out: one target per user)."""

from __future__ import annotations

import numpy as np

METRIC_KS = (5, 10, 20)


def metrics_from_ranks(ranks: np.ndarray, ks: tuple[int, ...] | list[int] = METRIC_KS) -> dict[str, float]:
    """Averages over exactly ``len(ranks)`` users.

    With one relevant item, HR@K = [rank <= K], NDCG@K = 1/log2(rank + 1) if rank <= K (the ideal
    DCG is 1), MRR@K = 1/rank if rank <= K.
    """
    ranks = np.asarray(ranks, dtype=np.float64)
    if ranks.ndim != 1 or len(ranks) == 0:
        raise ValueError(f"need a non-empty 1-D array of ranks, got shape {ranks.shape}")
    if (ranks < 1).any():
        raise ValueError(f"ranks are 1-based; found {ranks.min()}")
    out: dict[str, float] = {}
    for k in ks:
        for name in ("hr", "ndcg", "mrr"):
            out[f"{name}@{k}"] = float(per_user(ranks, name, k).mean())
    return out


def per_user(ranks: np.ndarray, name: str, k: int) -> np.ndarray:
    """HR@k, NDCG@k or MRR@k of each user from 1-based ranks [U] -> [U] (float64)."""
    ranks = np.asarray(ranks, dtype=np.float64)
    hit = ranks <= k
    if name == "hr":
        return hit.astype(np.float64)
    if name == "ndcg":
        return np.where(hit, 1.0 / np.log2(ranks + 1.0), 0.0)
    if name == "mrr":
        return np.where(hit, 1.0 / ranks, 0.0)
    raise ValueError(f"unknown metric {name!r}; known: hr, ndcg, mrr")
