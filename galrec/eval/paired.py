"""Is one model better than another on the same test users? A paired comparison from ranks.tsv.

Every run folder holds each test user's rank of its target, so two runs on the same split can be
compared user by user: the difference of per-user NDCG@K (or HR@K) has far less variance than the
two averages apart. The interval is the normal approximation of the mean difference's 95%
confidence interval (tens of thousands of users make the central limit theorem safe).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from galrec.errors import GalrecError
from galrec.eval.results import read_user_ranks

Z95 = 1.959964


def per_user(ranks: np.ndarray, metric: str) -> np.ndarray:
    """``"ndcg@10"`` or ``"hr@10"`` of each user, from 1-based ranks: [n_users]."""
    name, _, k_text = metric.partition("@")
    if name not in ("ndcg", "hr") or not k_text.isdigit():
        raise GalrecError(f"paired comparison needs ndcg@K or hr@K, got {metric!r}")
    hit = ranks <= int(k_text)
    if name == "hr":
        return hit.astype(np.float64)
    return np.where(hit, 1.0 / np.log2(ranks + 1.0), 0.0)


@dataclass(frozen=True)
class PairedDiff:
    mean: float  # mean over users of metric(a) - metric(b)
    half_width: float  # of the 95% confidence interval
    n_users: int

    @property
    def verdict(self) -> str:
        """'better' / 'worse' when the interval excludes 0 (a better than b), else 'within noise'."""
        if self.mean - self.half_width > 0:
            return "better"
        if self.mean + self.half_width < 0:
            return "worse"
        return "within noise"


def paired_difference(run_a: Path, run_b: Path, metric: str = "ndcg@10") -> PairedDiff:
    """``metric`` of run ``a`` minus run ``b``, paired by test user (both must rank the same users)."""
    users_a, ranks_a = read_user_ranks(Path(run_a) / "ranks.tsv")
    users_b, ranks_b = read_user_ranks(Path(run_b) / "ranks.tsv")
    position = {u: k for k, u in enumerate(users_b)}
    if len(users_a) != len(users_b) or any(u not in position for u in users_a):
        raise GalrecError(f"{run_a} and {run_b} ranked different test users; a paired comparison needs the same")
    order = np.array([position[u] for u in users_a], dtype=np.int64)
    diff = per_user(ranks_a, metric) - per_user(ranks_b[order], metric)  # [n_users]
    n = len(diff)
    half = Z95 * float(diff.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
    return PairedDiff(float(diff.mean()), half, n)
