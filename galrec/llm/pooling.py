"""One vector per prompt from the last hidden states (METHOD.md, component 3)."""

from __future__ import annotations

import torch


def last_token_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The hidden state of each row's last real token, for decoder-only models.

    Under right padding position -1 is padding for every row shorter than the batch, so the
    index comes from the mask: a causal model's last real token is the only one that has
    attended to the whole prompt.
    """
    last = (attention_mask.sum(dim=1) - 1).clamp(min=0)  # [B]
    rows = torch.arange(hidden.shape[0], device=hidden.device)  # [B]
    return hidden[rows, last]  # [B, H]


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the real tokens' hidden states, for encoders (sentence-transformers' pooling)."""
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)  # [B, T, 1]
    total = (hidden * weights).sum(dim=1)  # [B, H]
    return total / weights.sum(dim=1).clamp(min=1.0)  # [B, H]
