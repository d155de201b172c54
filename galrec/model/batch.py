"""What one GAL-Rec training step consumes: the contract between the collator and the module."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from galrec.llm.prompts import PromptBatch


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
