"""One entry point every model uses: ranks and metrics for a split under a protocol."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from galrec.config import EvalConfig
from galrec.data.split import LeaveOneOut, SplitName
from galrec.eval.metrics import metrics_from_ranks
from galrec.eval.ranking import ScoreFn, full_ranks, sampled_ranks


@dataclass
class SplitResult:
    split: SplitName
    protocol: str
    users: np.ndarray  # [U] internal user ids
    ranks: np.ndarray  # [U] 1-based
    metrics: dict[str, float]


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
    """Rank every evaluated user's ``split`` target and average the metrics over those users."""
    users = loo.eval_users() if users is None else users
    inputs, targets = loo.inputs(split), loo.targets(split)
    if cfg.protocol == "full":
        ranks = full_ranks(
            score_fn, inputs, targets, users, max_len, cfg.batch_size, mask_repeats, device, progress
        )
    else:
        ranks = sampled_ranks(
            score_fn, inputs, targets, users, loo.data.n_items, max_len, 100, seed, cfg.batch_size,
            mask_repeats, device,
        )
    return SplitResult(split, cfg.protocol, users, ranks, metrics_from_ranks(ranks, cfg.ks))
