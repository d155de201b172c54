"""Learning-rate multipliers shared by the baselines' and GAL-Rec's trainers.

    m(s) = (s + 1) / warmup                                          s < warmup
    m(s) = min + (1 - min) · ½ (1 + cos(π (s - warmup) / (total - warmup)))    otherwise
"""

from __future__ import annotations

import math

import torch

MIN_LR_FRACTION = 0.1  # the cosine ends at a tenth of the peak (nanoGPT's choice), not at zero


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """Multiplier of the base learning rate after ``step`` optimizer steps."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return MIN_LR_FRACTION + (1 - MIN_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress))


def make_scheduler(
    optimizer: torch.optim.Optimizer, warmup: int, total: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """``warmup_cosine`` as a scheduler stepped once per optimizer step."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: warmup_cosine(step, warmup, total))
