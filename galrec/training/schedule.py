"""AdamW with two learning rates, and a linear-warmup + cosine schedule.

The language model fine-tunes at ``train.lr``; the freshly initialised mapping layers and heads
learn at ``train.head_lr``. Weight decay (λ4 of METHOD.md) applies to matrices only, as in
nanoGPT: decaying biases, norms and per-item biases only hurts.

    lr(s) = base · (s + 1) / warmup                                 s < warmup
    lr(s) = base · (min + (1 - min) · ½ (1 + cos(π (s - warmup) / (total - warmup))))
"""

from __future__ import annotations

import math

import torch
from torch import nn

from galrec.config import TrainConfig

MIN_LR_FRACTION = 0.1  # the cosine ends at a tenth of the peak (nanoGPT's choice), not at zero


def make_optimizer(
    backbone: list[nn.Parameter], heads: list[nn.Parameter], cfg: TrainConfig
) -> torch.optim.AdamW:
    groups = []
    for params, lr in ((backbone, cfg.lr), (heads, cfg.head_lr)):
        decay = [p for p in params if p.dim() >= 2]
        rest = [p for p in params if p.dim() < 2]
        groups += [
            {"params": decay, "lr": lr, "weight_decay": cfg.weight_decay},
            {"params": rest, "lr": lr, "weight_decay": 0.0},
        ]
    return torch.optim.AdamW([g for g in groups if g["params"]])


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """Multiplier of the base learning rate after ``step`` optimizer steps."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return MIN_LR_FRACTION + (1 - MIN_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress))


def make_scheduler(
    optimizer: torch.optim.Optimizer, warmup: int, total: int
) -> torch.optim.lr_scheduler.LambdaLR:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: warmup_cosine(step, warmup, total))
