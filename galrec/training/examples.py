"""Training examples: (user, prefix end) pairs over the training part, and each epoch's share.

Example (u, t) has history ``train[u][:t]`` and target ``train[u][t]``. With
``data.train_examples = "all_prefixes"`` every t in 1..n-1 is an example (the field's
standard); with ``"last"`` only t = n - 1. Only ``LeaveOneOut.train`` is ever read, so no
validation or test item is a target or in a history.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from galrec.data.sequences import Sequences


class PrefixExamples:
    def __init__(self, train: Sequences, kind: Literal["all_prefixes", "last"] = "all_prefixes") -> None:
        n = train.lengths  # [n_rows]
        if kind == "all_prefixes":
            per_user = np.maximum(n - 1, 0)  # targets at positions 1..n-1
            self.users = np.repeat(np.arange(train.n_rows), per_user)  # [E]
            first = np.cumsum(per_user) - per_user  # [n_rows] first example of each user
            self.ends = np.arange(len(self.users)) - np.repeat(first, per_user) + 1  # [E] t
        else:
            self.users = np.flatnonzero(n >= 2)  # [E]
            self.ends = n[self.users] - 1  # [E]
        self.train, self.kind = train, kind

    def __len__(self) -> int:
        return len(self.users)

    def targets(self, idx: np.ndarray) -> np.ndarray:
        """Target item of examples ``idx``. [B]"""
        return self.train.items[self.train.indptr[self.users[idx]] + self.ends[idx]]

    def histories(self, idx: np.ndarray, max_len: int) -> torch.Tensor:
        """The ``max_len`` most recent history items of examples ``idx``, left-padded. [B, max_len]"""
        return torch.from_numpy(self._window(idx, max_len, shift=0))

    def next_items(self, idx: np.ndarray, max_len: int) -> torch.Tensor:
        """The item that followed each entry of ``histories(idx, max_len)``, in the same layout
        (the last column is each example's target; padding stays 0). [B, max_len]

        Sequence mode trains on all of them: column c is the target of history column c.
        """
        return torch.from_numpy(self._window(idx, max_len, shift=1))

    def _window(self, idx: np.ndarray, max_len: int, shift: int) -> np.ndarray:
        starts = self.train.indptr[self.users[idx]]  # [B]
        ends = starts + self.ends[idx]  # [B] one past the last history item
        lengths = np.minimum(self.ends[idx], max_len)  # [B]
        col = np.arange(max_len)[None, :]  # [1, max_len]
        valid = col >= (max_len - lengths)[:, None]  # [B, max_len]
        src = ends[:, None] - max_len + col + shift  # [B, max_len] source index of each column
        out = np.zeros((len(idx), max_len), dtype=np.int64)
        out[valid] = self.train.items[src[valid]]
        return out

    def epoch_share(self, seed: int, epoch: int, cap: int, rank: int = 0, world: int = 1) -> np.ndarray:
        """This process's examples for ``epoch``, in order: a seeded permutation cut to ``cap``
        (0: all), padded by repetition to a multiple of ``world`` and dealt round-robin, so every
        process gets the same count (equal shapes for the gathers). [ceil(S / world)]"""
        order = np.random.default_rng([seed, epoch]).permutation(len(self))  # [E]
        if cap:
            order = order[:cap]
        pad = -len(order) % world
        order = np.concatenate([order, order[:pad]])
        return order[rank::world]
