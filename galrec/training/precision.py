"""``train.mixed_precision``: the language model's matrix work in bfloat16, weights in float32.

On CPUs with AVX-512 BF16 (the project's 2-core AMD EPYC) bfloat16 products run ~5x faster than
float32 ones; ``torch.autocast`` keeps the weights, the optimizer state and the reductions in
float32. The catalogue head leaves autocast (``galrec.model.sequence``, ``GalRec.score_sequences``):
its softmax and the ranking scores stay float32, so bfloat16 rounding cannot tie items. Where
the device would only emulate bfloat16 (``galrec.runtime.bfloat16_autocast``) autocast stays off.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import torch

from galrec.runtime import bfloat16_autocast


def autocast(mixed_precision: str, device: torch.device | str) -> AbstractContextManager:
    """The context a forward pass runs in: bfloat16 autocast, or nothing (``"no"``, or a device
    without native bfloat16)."""
    return bfloat16_autocast(mixed_precision == "bf16", torch.device(device).type)
