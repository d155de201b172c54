"""The vectors that go into a prompt's placeholder positions, computed for the whole batch at once.

Per placeholder kind (``galrec.llm.prompts``):
- SLOT_USER, ref > 0:  m_u(e_ref)                     a listed user
- SLOT_USER, ref = 0:  m_u(encode_history(history))   the prompt's own user
- SLOT_ITEM:           m_i(e_ref)
- SLOT_*_GROUP:        mean_{v ∈ groups[ref]} m(e_v)  a compact neighbourhood token

Every kind is one batched gather + mapping over all of its positions; no loop over samples.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from galrec.llm.prompts import SLOT_ITEM, SLOT_ITEM_GROUP, SLOT_TEXT, SLOT_USER, SLOT_USER_GROUP, PromptBatch

NodeVectors = Callable[[torch.Tensor], torch.Tensor]  # ids [...] -> mapped vectors [..., H]


def slot_mask(prompts: PromptBatch) -> torch.Tensor:
    """Placeholder positions [B, T] (row-major order is the order of ``slot_vectors``)."""
    return prompts.slot_kind != SLOT_TEXT


def group_mean(groups: torch.Tensor, vectors: NodeVectors) -> torch.Tensor:
    """Mean mapped vector of each 0-padded id list: groups [G, M] -> [G, H] (empty group: 0)."""
    v = vectors(groups)  # [G, M, H]
    w = (groups > 0).to(v.dtype)[..., None]  # [G, M, 1]
    return (v * w).sum(1) / w.sum(1).clamp(min=1.0)  # [G, H]


def slot_vectors(
    prompts: PromptBatch,
    users: NodeVectors,
    items: NodeVectors,
    own_users: Callable[[], torch.Tensor] | None,
    width: int,
) -> torch.Tensor:
    """One vector per placeholder, in row-major position order. [N, width]

    ``own_users()`` gives the prompts' own-user vectors [B, width]; it is called only when some
    prompt has an own-user slot, and must exist then.
    """
    mask = slot_mask(prompts)  # [B, T]
    kind = prompts.slot_kind[mask]  # [N]
    ref = prompts.slot_ref[mask]  # [N]
    row = mask.nonzero()[:, 0]  # [N] prompt of each slot
    if len(kind) and int(kind.max()) > SLOT_ITEM_GROUP:
        raise ValueError(f"unknown placeholder kind {int(kind.max())} in a prompt batch")
    out = torch.zeros(len(kind), width, device=kind.device)  # [N, width]

    def put(select: torch.Tensor, make: Callable[[torch.Tensor], torch.Tensor]) -> None:
        nonlocal out
        idx = select.nonzero().squeeze(1)  # [n]
        if len(idx):
            out = out.index_put((idx,), make(idx).to(out.dtype))  # out of place: autograd-safe

    own = (kind == SLOT_USER) & (ref == 0)  # [N]
    if bool(own.any()):
        if own_users is None:
            raise ValueError("a prompt has an own-user slot but no history was given")
        own_vectors = own_users()  # [B, width]
        put(own, lambda idx: own_vectors[row[idx]])
    put((kind == SLOT_USER) & (ref > 0), lambda idx: users(ref[idx]))
    put(kind == SLOT_ITEM, lambda idx: items(ref[idx]))
    put(kind == SLOT_USER_GROUP, lambda idx: group_mean(prompts.groups[ref[idx]], users))
    put(kind == SLOT_ITEM_GROUP, lambda idx: group_mean(prompts.groups[ref[idx]], items))
    return out
