"""GAL-Rec in sequence mode (METHOD.md, "All-position training"): one causal pass per user.

    x_t = m_i(e_{i_t})  [+ a_t]              a_t = mean_{v ∈ N(i_t) \\ u} m_u(e_v), the item's audience
    h_1 .. h_n = LM(prefix, x_1 .. x_n)       causal: h_t has seen items 1..t only
    L0 = mean_t CE(head(h_t), i_{t+1})        every position of every training sequence

The own-user slot of the prefix mode (SASRec's encoding of the whole history) has no place
here: it would carry later items back to earlier positions. The user representation of the
graph losses is h_n, the state after the whole training input.
"""

from __future__ import annotations

import torch

from galrec.llm.backbone import Backbone
from galrec.llm.sequence import SequenceInputs
from galrec.model.slots import NodeVectors, group_mean


def tokens_per_item(inputs: SequenceInputs, separate: bool) -> int:
    """2 when each item's audience has a token of its own after it, else 1."""
    return 2 if separate and inputs.audience is not None else 1


def item_tokens(inputs: SequenceInputs, items: NodeVectors, users: NodeVectors, separate: bool) -> torch.Tensor:
    """The vectors of the item positions, w = 2 per item when ``separate``, else 1. [B, w·L, H]"""
    x = items(inputs.items)  # [B, L, H]
    if inputs.audience is None:
        return x
    b, length, m = inputs.audience.shape
    audience = group_mean(inputs.audience.reshape(b * length, m), users).reshape(b, length, -1)
    if not separate:
        return x + audience  # [B, L, H]
    return torch.stack([x, audience], dim=2).reshape(b, 2 * length, -1)  # [B, 2L, H] item, audience


def encode_sequence(
    backbone: Backbone, inputs: SequenceInputs, items: NodeVectors, users: NodeVectors, separate: bool
) -> torch.Tensor:
    """Hidden state after each item of ``inputs``: the state that predicts the next one. [B, L, H]

    ``items`` / ``users`` map ids to input vectors (GalRec's mapping layers).
    """
    b, length = inputs.items.shape
    w = tokens_per_item(inputs, separate)
    prefix = backbone.embed_tokens(inputs.prefix_ids[None]).expand(b, -1, -1)  # [B, P, H]
    x = torch.cat([prefix, item_tokens(inputs, items, users, separate).to(prefix.dtype)], dim=1)  # [B, P + wL, H]
    real = (inputs.items > 0).long().repeat_interleave(w, dim=1)  # [B, wL]
    mask = torch.cat([real.new_ones(b, prefix.shape[1]), real], dim=1)  # [B, P + wL] right padded
    hidden = backbone.hidden_states(x, mask)  # [B, P + wL, H]
    readout = prefix.shape[1] + w - 1 + w * torch.arange(length, device=hidden.device)  # [L]
    return hidden[:, readout].float()  # [B, L, H]


def last_state(states: torch.Tensor, inputs: SequenceInputs) -> torch.Tensor:
    """Each row's state after its last item. states [B, L, H] -> [B, H]"""
    rows = torch.arange(states.shape[0], device=states.device)
    return states[rows, (inputs.lengths - 1).clamp(min=0)]
