"""Write vectors into placeholder positions of a batch of token embeddings, in one kernel."""

from __future__ import annotations

import torch


def splice(token_embeds: torch.Tensor, mask: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """``token_embeds`` with its ``mask`` positions replaced by ``vectors``. [B, T, H]

    ``vectors[n]`` goes to the n-th True position of ``mask`` in row-major order (the order of
    ``token_embeds[mask]``). ``masked_scatter`` does it without a Python loop over samples and
    keeps gradients flowing to both inputs; the original tensor is not modified.
    """
    if mask.shape != token_embeds.shape[:2]:
        raise ValueError(
            f"mask shape {tuple(mask.shape)} does not match embeddings {tuple(token_embeds.shape)}"
        )
    n_slots = int(mask.sum())
    if vectors.shape != (n_slots, token_embeds.shape[2]):
        raise ValueError(
            f"got {tuple(vectors.shape)} vectors for {n_slots} placeholder positions "
            f"of width {token_embeds.shape[2]}"
        )
    full_mask = mask.unsqueeze(-1).expand_as(token_embeds)  # [B, T, H]
    return token_embeds.masked_scatter(full_mask, vectors.to(token_embeds.dtype))  # [B, T, H]
