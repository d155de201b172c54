"""What one GAL-Rec training step consumes: the contract between the collator and the module."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from galrec.llm.prompts import PromptBatch
from galrec.llm.sequence import SequenceInputs


@dataclass
class GalRecBatch:
    """B training examples: a user's history prefix and the item that came next."""

    users: torch.Tensor  # [B] internal user ids
    histories: torch.Tensor  # [B, L] left-padded prefixes; the own-user vector comes from them
    targets: torch.Tensor  # [B] next item of each prefix (the L0 target, the L2/L3 item)
    user_prompts: PromptBatch
    item_prompts: PromptBatch | None = None  # prompts of ``targets``; only when L2 is on
    hop2_users: torch.Tensor | None = None  # [B, M] sampled 2-hop users of each user (E2_u), 0 = none
    hop1_users: torch.Tensor | None = None  # [B, M] sampled users of each target, u excluded (E1_i)

    def to(self, device: torch.device | str) -> GalRecBatch:
        moved = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            moved[f.name] = value.to(device) if value is not None else None
        return GalRecBatch(**moved)

    def __len__(self) -> int:
        return len(self.users)


@dataclass
class SequenceBatch:
    """B users' training sequences, a target at every position (``train.mode: sequence``)."""

    users: torch.Tensor  # [B] internal user ids
    inputs: SequenceInputs  # items [B, L] right padded (+ their audiences)
    targets: torch.Tensor  # [B, L] the item after each input item (0 under padding)
    hop2_users: torch.Tensor | None = None  # [B, M] 2-hop users through the input items (E2_u)
    hop1_users: torch.Tensor | None = None  # [B, M] users of each last target, u excluded (E1_i)

    def to(self, device: torch.device | str) -> SequenceBatch:
        moved = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return SequenceBatch(**{k: None if v is None else v.to(device) for k, v in moved.items()})

    def __len__(self) -> int:
        return len(self.users)

    @property
    def last_targets(self) -> torch.Tensor:
        """The target of each row's last position: the user's last training item. [B]"""
        rows = torch.arange(len(self), device=self.targets.device)
        return self.targets[rows, (self.inputs.lengths - 1).clamp(min=0)]


@dataclass
class GalRecOutput:
    loss: torch.Tensor  # scalar, the weighted total
    terms: dict[str, torch.Tensor]  # detached l0 .. l3 (only the terms that are on)
    # Rows for ``remember`` (gather them across processes first): users, user_vectors [B, H],
    # user_keys [B, P], items, item_keys [B, P]; keys only when a contrastive term is on.
    memory: dict[str, torch.Tensor]
