"""One entry point every model uses: ranks and metrics for a split under a protocol."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from galrec.config import EvalConfig
from galrec.data.split import LeaveOneOut, SplitName
from galrec.eval.metrics import metrics_from_ranks
from galrec.eval.ranking import ScoreFn, full_ranks, sampled_ranks
from galrec.runtime import rows_per_block


@dataclass
class SplitResult:
    split: SplitName
    protocol: str
    users: np.ndarray  # [U] internal user ids
    ranks: np.ndarray  # [U] 1-based
    metrics: dict[str, float]


TEST_USERS_STREAM = 3  # the random stream of the test-user subset (validation subsets use 0)


def seeded_subset(n_users: int, cap: int, seed: int, stream: int) -> np.ndarray | None:
    """``cap`` of the users 1..n_users drawn by (seed, stream), sorted (None: all of them)."""
    if cap == 0 or cap >= n_users:
        return None
    return np.sort(np.random.default_rng([seed, stream]).choice(np.arange(1, n_users + 1), cap, replace=False))


def evaluated_users(loo: LeaveOneOut, cfg: EvalConfig, split: SplitName, seed: int) -> np.ndarray:
    """The users a ``split`` pass ranks: all, or for the test split the ``eval.test_users`` subset."""
    subset = seeded_subset(loo.data.n_users, cfg.test_users, seed, TEST_USERS_STREAM) if split == "test" else None
    return loo.eval_users() if subset is None else subset


def evaluate(
    score_fn: ScoreFn,
    loo: LeaveOneOut,
    split: SplitName,
    cfg: EvalConfig,
    max_len: int,
    mask_repeats: bool = True,
    seed: int = 0,
    device: torch.device | str = "cpu",
    users: np.ndarray | None = None,
    progress: bool = False,
) -> SplitResult:
    """Rank every evaluated user's ``split`` target (default: ``evaluated_users``) and average the
    metrics over those users."""
    users = evaluated_users(loo, cfg, split, seed) if users is None else users
    inputs, targets = loo.inputs(split), loo.targets(split)
    if cfg.protocol == "full":
        batch = cfg.batch_size
        if torch.device(device).type == "cpu":  # score blocks the C library's heap can reuse
            batch = min(batch, rows_per_block(loo.data.n_items + 1))
        ranks = full_ranks(score_fn, inputs, targets, users, max_len, batch, mask_repeats, device, progress)
    else:
        ranks = sampled_ranks(
            score_fn, inputs, targets, users, loo.data.n_items, max_len, 100, seed, cfg.batch_size,
            mask_repeats, device,
        )
    return SplitResult(split, cfg.protocol, users, ranks, metrics_from_ranks(ranks, cfg.ks))
