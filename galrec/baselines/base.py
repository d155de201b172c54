"""The contract every baseline follows (RecBole-like, minus the string-keyed config).

- ``calculate_loss(batch)``: the training loss of one batch (a dict of tensors built by the
  model's batcher in ``batches.py``).
- ``score(users, histories)``: scores over the whole catalogue, the ``ScoreFn`` that
  ``galrec.eval`` ranks. ``users`` may be 0 (an unknown user): a model must then rely on the
  history alone.
- ``item_embeddings()`` / ``user_embeddings(loo)``: the vectors GAL-Rec maps into the language
  model (row 0 is padding).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from galrec.data.split import LeaveOneOut

Batch = dict[str, torch.Tensor]


class BaselineModel(nn.Module, ABC):
    has_embeddings: bool = True  # False for models with nothing to export (popularity)

    def calculate_loss(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} is fitted when built; it has no loss")

    @abstractmethod
    def score(self, users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        """users [B] (0 = unknown), histories [B, L] left-padded -> scores [B, n_items + 1]."""

    def item_embeddings(self) -> torch.Tensor:
        """[n_items + 1, d]"""
        raise NotImplementedError(f"{type(self).__name__} has no item embeddings")

    def user_embeddings(self, loo: LeaveOneOut) -> torch.Tensor:
        """[n_users + 1, d], each user's representation from the training part only."""
        raise NotImplementedError(f"{type(self).__name__} has no user embeddings")
