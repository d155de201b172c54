"""Placeholder vectors: the batched computation against a slow loop over positions."""

from __future__ import annotations

import numpy as np
import torch

from galrec.llm.prompts import SLOT_ITEM, SLOT_ITEM_GROUP, SLOT_USER, SLOT_USER_GROUP
from galrec.model.slots import slot_mask, slot_vectors


def slow_reference(prompts, users, items, own) -> torch.Tensor:
    out = []
    for b in range(prompts.slot_kind.shape[0]):
        for t in range(prompts.slot_kind.shape[1]):
            kind, ref = int(prompts.slot_kind[b, t]), int(prompts.slot_ref[b, t])
            if kind == SLOT_USER:
                out.append(own[b] if ref == 0 else users(torch.tensor(ref)))
            elif kind == SLOT_ITEM:
                out.append(items(torch.tensor(ref)))
            elif kind in (SLOT_USER_GROUP, SLOT_ITEM_GROUP):
                fn = users if kind == SLOT_USER_GROUP else items
                members = [m for m in prompts.groups[ref].tolist() if m > 0]
                out.append(
                    torch.stack([fn(torch.tensor(m)) for m in members]).mean(0)
                    if members
                    else torch.zeros(own.shape[1])
                )
    return torch.stack(out)


def test_slot_vectors_match_a_loop(make_tiny) -> None:
    for neighbours in ("listed", "compact"):
        tiny = make_tiny(prompt={"neighbours": neighbours})
        model = tiny.model
        users = tiny.examples.users[:6]
        histories = tiny.examples.histories(np.arange(6), tiny.cfg.data.max_len)
        rng = np.random.default_rng(0)
        for prompts in (
            tiny.builder.user_prompts(users, histories, rng),
            tiny.builder.item_prompts(np.array([1, 2, 3]), rng),
        ):
            own = model.map_user(model.external.encode_history(histories))  # [B, H]
            with torch.no_grad():
                got = slot_vectors(
                    prompts, model.user_vectors, model.item_vectors, lambda o=own: o, own.shape[1]
                )
                expected = slow_reference(prompts, model.user_vectors, model.item_vectors, own)
            assert got.shape[0] == int(slot_mask(prompts).sum())
            torch.testing.assert_close(got, expected)
        if neighbours == "compact":
            assert (prompts.slot_kind == SLOT_USER_GROUP).any()
