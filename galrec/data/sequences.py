"""Ragged per-user item sequences stored as CSR arrays (no Python list per user)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Sequences:
    """Row ``u`` holds ``items[indptr[u]:indptr[u + 1]]``, oldest first.

    Row 0 is the padding user and is always empty, so rows are indexed by internal user ids.
    """

    indptr: np.ndarray  # [n_rows + 1] int64
    items: np.ndarray  # [nnz] int64, internal item ids >= 1

    @classmethod
    def from_lists(cls, rows: list[np.ndarray] | list[list[int]]) -> Sequences:
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        items = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows]) if rows else np.zeros(0, np.int64)
        return cls(indptr, items.astype(np.int64, copy=False))

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.indptr)

    def row(self, u: int) -> np.ndarray:
        return self.items[self.indptr[u] : self.indptr[u + 1]]

    def drop_last(self, k: int) -> Sequences:
        """Every row without its last ``k`` items (rows shorter than ``k`` become empty)."""
        lengths = np.maximum(self.lengths - k, 0)
        keep = np.repeat(np.arange(self.n_rows), self.lengths)  # row of each item
        pos = np.arange(len(self.items)) - self.indptr[keep]  # position inside its row
        mask = pos < lengths[keep]
        indptr = np.zeros_like(self.indptr)
        np.cumsum(lengths, out=indptr[1:])
        return Sequences(indptr, self.items[mask])

    def last(self) -> np.ndarray:
        """Last item of every row, 0 for empty rows. [n_rows]"""
        out = np.zeros(self.n_rows, dtype=np.int64)
        nonempty = self.lengths > 0
        out[nonempty] = self.items[self.indptr[1:][nonempty] - 1]
        return out

    def padded(self, rows: np.ndarray, max_len: int) -> torch.Tensor:
        """Left-padded tensor of the most recent ``max_len`` items of each row. [B, max_len]"""
        import torch  # here, not above: reading a dataset (`galrec data stats`) needs no torch

        rows = np.asarray(rows, dtype=np.int64)
        ends = self.indptr[rows + 1]
        starts = np.maximum(self.indptr[rows], ends - max_len)
        lengths = ends - starts
        out = np.zeros((len(rows), max_len), dtype=np.int64)
        # position j of the output holds item (end - max_len + j) when that index is >= start
        offsets = ends[:, None] - max_len + np.arange(max_len)[None, :]  # [B, max_len]
        valid = np.arange(max_len)[None, :] >= (max_len - lengths)[:, None]
        out[valid] = self.items[offsets[valid]]
        return torch.from_numpy(out)
