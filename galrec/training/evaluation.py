"""Full-ranking (or sampled) evaluation of a GAL-Rec model through ``galrec.eval``.

A user's scores come from its prompt: the validation and test inputs of ``LeaveOneOut`` become
histories, the prompt builder of the split samples the neighbours with a generator seeded by
(seed, split), and the mapped catalogue is computed once per pass.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from galrec.data.split import SplitName
from galrec.eval.evaluate import SplitResult, evaluate, seeded_subset
from galrec.eval.ranking import ScoreFn
from galrec.llm.prompts import PromptBuilder
from galrec.model.galrec import GalRec
from galrec.training.build import Parts

SPLIT_STREAM = {"valid": 1, "test": 2}  # separate random streams for the two splits


def make_score_fn(model: GalRec, builder: PromptBuilder, seed: int, split: SplitName) -> ScoreFn:
    rng = np.random.default_rng([seed, SPLIT_STREAM[split]])
    with torch.no_grad():
        items = model.catalogue()  # [n_items + 1, H] or None

    def score(users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        prompts = builder.user_prompts(users.cpu().numpy(), histories.cpu(), rng)
        device = histories.device
        return model.score(prompts.to(device), histories, items)  # [B, n_items + 1]

    return score


def evaluate_split(
    parts: Parts,
    model: GalRec,
    split: SplitName,
    device: torch.device | str,
    protocol: str | None = None,
    users: np.ndarray | None = None,
    progress: bool = False,
) -> SplitResult:
    """Rank ``split`` targets of ``users`` (default: all) with ``model`` in eval mode."""
    cfg = parts.cfg
    eval_cfg = dataclasses.replace(cfg.eval, protocol=protocol or cfg.eval.protocol)
    was_training = model.training
    model.eval()
    try:
        score = make_score_fn(model, parts.builder_for(split), cfg.seed, split)
        return evaluate(
            score,
            parts.loo,
            split,
            eval_cfg,
            cfg.data.max_len,
            cfg.data.mask_repeats,
            cfg.seed,
            device,
            users,
            progress,
        )
    finally:
        model.train(was_training)


def validation_users(n_users: int, cap: int, seed: int) -> np.ndarray | None:
    """A fixed, seeded subset of ``cap`` users for per-epoch validation (None: all users)."""
    return seeded_subset(n_users, cap, seed, stream=0)
