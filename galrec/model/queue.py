"""Dynamic queue storage (METHOD.md, component 4), MoCo-style: everything is a registered buffer.

Buffers move with ``.to(device)``, are saved in ``state_dict`` and therefore in checkpoints.
Updates are tiny ``@torch.no_grad()`` methods; across processes the caller gathers first
(``accelerator.gather``), so every process applies the same update and the copies stay equal.
"""

from __future__ import annotations

import torch
from torch import nn


class NodeQueue(nn.Module):
    """FIFO of the ``size`` most recent detached keys [K, P] with their node ids (0: empty slot)."""

    def __init__(self, size: int, dim: int) -> None:
        super().__init__()
        self.register_buffer("keys", torch.zeros(size, dim))  # [K, P]
        self.register_buffer("ids", torch.zeros(size, dtype=torch.long))  # [K]
        self.register_buffer("ptr", torch.zeros((), dtype=torch.long))  # next slot to overwrite

    @property
    def size(self) -> int:
        return self.keys.shape[0]

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor, ids: torch.Tensor) -> None:
        """Append keys [n, P] (ids [n]; id 0 rows are padding and skipped), overwriting the oldest."""
        real = ids > 0
        keys, ids = keys[real], ids[real]  # [n', P], [n']
        if self.size == 0 or len(ids) == 0:
            return
        keys, ids = keys[-self.size :], ids[-self.size :]  # more than K new keys: keep the newest K
        slots = (self.ptr + torch.arange(len(ids), device=ids.device)) % self.size  # [n'] with wrap-around
        self.keys[slots] = keys.to(self.keys.dtype)
        self.ids[slots] = ids
        self.ptr.copy_((self.ptr + len(ids)) % self.size)

    def blocked(self, exclude: torch.Tensor) -> torch.Tensor:
        """Slots no anchor may use as a negative: empty ones and its own node. exclude [B] -> [B, K]"""
        return (self.ids[None, :] == 0) | (self.ids[None, :] == exclude[:, None])


class RepresentationBank(nn.Module):
    """The latest pooled vector h [H] of every node, refreshed whenever the node is encoded.

    Neighbour aggregates (E1, E2) read it for nodes outside the batch: a cheap stand-in for a
    momentum key encoder. ``seen`` marks rows written at least once; others do not count.
    """

    def __init__(self, n_rows: int, dim: int) -> None:
        super().__init__()
        self.register_buffer("vectors", torch.zeros(n_rows, dim))  # [N, H]
        self.register_buffer("seen", torch.zeros(n_rows, dtype=torch.bool))  # [N]

    @torch.no_grad()
    def refresh(self, ids: torch.Tensor, vectors: torch.Tensor) -> None:
        """Overwrite rows ``ids`` [n] with ``vectors`` [n, H]; id 0 (padding) is never stored."""
        real = ids > 0
        self.vectors[ids[real]] = vectors[real].to(self.vectors.dtype)
        self.seen[ids[real]] = True

    def lookup(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """ids [B, M] -> rows [B, M, H] and whether each row counts [B, M] (real id, seen)."""
        return self.vectors[ids], (ids > 0) & self.seen[ids]
