"""AdamW with two learning rates (the schedule is ``galrec.schedules``).

The language model fine-tunes at ``train.lr``; the freshly initialised mapping layers and heads
learn at ``train.head_lr``. Weight decay (λ4 of METHOD.md) applies to matrices only, as in
nanoGPT: decaying biases, norms and per-item biases only hurts.
"""

from __future__ import annotations

import torch
from torch import nn

from galrec.config import TrainConfig


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

