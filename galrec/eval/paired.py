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
from galrec.eval import metrics
from galrec.eval.results import headline, read_user_ranks

Z95 = 1.959964


def per_user(ranks: np.ndarray, metric: str) -> np.ndarray:
    """``"ndcg@10"`` or ``"hr@10"`` of each user, from 1-based ranks: [n_users]."""
    name, _, k_text = metric.partition("@")
    if name not in ("ndcg", "hr") or not k_text.isdigit():
        raise GalrecError(f"paired comparison needs ndcg@K or hr@K, got {metric!r}")
    return metrics.per_user(ranks, name, int(k_text))


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

    @classmethod
    def of(cls, diff: np.ndarray) -> PairedDiff:
        """The mean of per-user differences ``diff`` [n_users] and its 95% interval."""
        n = len(diff)
        half = Z95 * float(diff.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
        return cls(float(diff.mean()), half, n)


def ranks_by_user(run: Path) -> dict[str, int]:
    """A run's ``ranks.tsv``: dataset user id -> 1-based rank of its test target."""
    users, ranks = read_user_ranks(Path(run) / "ranks.tsv")
    return dict(zip(users, ranks.tolist()))


def common_users(runs: list[Path]) -> list[str]:
    """The test users every run ranked, in the first run's order."""
    return shared_users([ranks_by_user(r) for r in runs])


def shared_users(tables: list[dict[str, int]]) -> list[str]:
    """The users in every ``ranks_by_user`` table, in the first table's order."""
    return [u for u in tables[0] if all(u in t for t in tables[1:])] if tables else []


def metrics_on_users(run: Path, users: list[str], ks: tuple[int, ...] = metrics.METRIC_KS) -> dict[str, float]:
    """A run's test metrics recomputed from ``ranks.tsv`` over ``users`` alone."""
    table = ranks_by_user(run)
    return headline(metrics.metrics_from_ranks(np.array([table[u] for u in users], dtype=np.int64), ks))


def paired_difference(run_a: Path, run_b: Path, metric: str = "ndcg@10") -> PairedDiff:
    """``metric`` of run ``a`` minus run ``b``, paired by test user over the users both ranked."""
    return pooled_difference([(run_a, run_b)], metric)


def pooled_difference(pairs: list[tuple[Path, Path]], metric: str = "ndcg@10") -> PairedDiff:
    """The mean of ``metric(a) - metric(b)`` over replicate pairs (one pair per seed), per user.

    Each user's difference is averaged over the pairs first, then the interval is taken over
    users, on the users every run ranked. Averaging replicates shrinks the run-to-run noise that a
    single pair carries; the interval still treats users, not seeds, as the sample.
    """
    if not pairs:
        raise GalrecError("pooled_difference needs at least one pair of runs")
    tables = [(ranks_by_user(a), ranks_by_user(b)) for a, b in pairs]
    users = shared_users([t for pair in tables for t in pair])
    if not users:
        names = ", ".join(f"{a} / {b}" for a, b in pairs)
        raise GalrecError(f"{names}: no test user in common")
    diff = np.mean(
        [per_user(np.array([a[u] for u in users]), metric) - per_user(np.array([b[u] for u in users]), metric)
         for a, b in tables],
        axis=0,
    )  # [n_users]
    return PairedDiff.of(diff)
