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
from galrec.model.galrec import GalRec
from galrec.training.build import Parts
from galrec.training.precision import autocast

SPLIT_STREAM = {"valid": 1, "test": 2}  # separate random streams for the two splits


def make_score_fn(parts: Parts, model: GalRec, split: SplitName) -> ScoreFn:
    """Scores of users' histories on ``split``'s graph, through prompts or (sequence mode) sequences."""
    rng = np.random.default_rng([parts.cfg.seed, SPLIT_STREAM[split]])
    with torch.no_grad():
        items = model.catalogue()  # [n_items + 1, H] or None
    if parts.cfg.train.mode == "sequence":
        sequences = parts.sequence_builder_for(split)

        def score_sequences(users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
            inputs = sequences(users.cpu().numpy(), histories.cpu(), rng)
            with autocast(parts.cfg.train.mixed_precision, histories.device):
                return model.score_sequences(inputs.to(histories.device), items)  # [B, n_items + 1]

        return score_sequences
    builder = parts.builder_for(split)

    def score(users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        prompts = builder.user_prompts(users.cpu().numpy(), histories.cpu(), rng)
        device = histories.device
        return model.score(prompts.to(device), histories, items)  # [B, n_items + 1]

    return score


def external_score_fn(model: GalRec) -> ScoreFn:
    """The external recommender's own scores of each history (SASRec's logits)."""
    return lambda users, histories: model.external.score_history(histories)


def evaluate_split(
    parts: Parts,
    model: GalRec,
    split: SplitName,
    device: torch.device | str,
    protocol: str | None = None,
    users: np.ndarray | None = None,
    progress: bool = False,
    score: ScoreFn | None = None,
) -> SplitResult:
    """Rank ``split`` targets of ``users`` (default: all) with ``model`` in eval mode; ``score``
    replaces the model's own score function (galrec.training.fusion)."""
    cfg = parts.cfg
    eval_cfg = dataclasses.replace(cfg.eval, protocol=protocol or cfg.eval.protocol)
    was_training = model.training
    model.eval()
    try:
        score = score or make_score_fn(parts, model, split)
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
