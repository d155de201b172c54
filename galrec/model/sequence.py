"""GAL-Rec in sequence mode (METHOD.md, "All-position training"): one causal pass per user.

    x_t = m_i(e_{i_t})  [+ a_t]              a_t = mean_{v ∈ N(i_t) \\ u} m_u(e_v), the item's audience
    h_1 .. h_n = LM(prefix, x_1 .. x_n)       causal: h_t has seen items 1..t only
    L0 = mean_t CE(head(h_t), i_{t+1})        every position of every training sequence

The own-user slot of the prefix mode (SASRec's encoding of the whole history) has no place
here: it would carry later items back to earlier positions. The user representation of the
graph losses is h_n, the state after the whole training input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from galrec.llm.sequence import SequenceInputs
from galrec.model.batch import GalRecOutput, SequenceBatch
from galrec.model.slots import group_mean

if TYPE_CHECKING:
    from galrec.model.galrec import GalRec


def item_tokens(model: GalRec, inputs: SequenceInputs, separate: bool) -> torch.Tensor:
    """The vectors of the item positions, w = 2 per item when ``separate``, else 1. [B, w·L, H]"""
    x = model.item_vectors(inputs.items)  # [B, L, H]
    if inputs.audience is None:
        return x
    b, length, m = inputs.audience.shape
    audience = group_mean(inputs.audience.reshape(b * length, m), model.user_vectors).reshape(b, length, -1)
    if not separate:
        return x + audience  # [B, L, H]
    return torch.stack([x, audience], dim=2).reshape(b, 2 * length, -1)  # [B, 2L, H] item, audience


def encode_sequence(model: GalRec, inputs: SequenceInputs, separate: bool) -> torch.Tensor:
    """Hidden state after each item of ``inputs``: the state that predicts the next one. [B, L, H]"""
    b, length = inputs.items.shape
    w = 2 if separate and inputs.audience is not None else 1
    prefix = model.backbone.embed_tokens(inputs.prefix_ids[None]).expand(b, -1, -1)  # [B, P, H]
    items = item_tokens(model, inputs, separate)  # [B, wL, H]
    x = torch.cat([prefix, items.to(prefix.dtype)], dim=1)  # [B, P + wL, H]
    real = (inputs.items > 0).long().repeat_interleave(w, dim=1)  # [B, wL]
    mask = torch.cat([real.new_ones(b, prefix.shape[1]), real], dim=1)  # [B, P + wL] right padded
    hidden = model.backbone.hidden_states(x, mask)  # [B, P + wL, H]
    readout = prefix.shape[1] + w - 1 + w * torch.arange(length, device=hidden.device)  # [L]
    return hidden[:, readout].float()  # [B, L, H]


def last_state(states: torch.Tensor, inputs: SequenceInputs) -> torch.Tensor:
    """Each row's state after its last item. states [B, L, H] -> [B, H]"""
    rows = torch.arange(states.shape[0], device=states.device)
    return states[rows, (inputs.lengths - 1).clamp(min=0)]


def sequence_forward(model: GalRec, batch: SequenceBatch, separate: bool, matmul_dtype: torch.dtype) -> GalRecOutput:
    """L0 at every position, the graph losses on each user's last state."""
    states = encode_sequence(model, batch.inputs, separate)  # [B, L, H]
    supervised = batch.targets > 0  # [B, L]
    items = model.catalogue()  # [n_items + 1, H] or None
    with torch.autocast(states.device.type, enabled=False):  # the softmax in float32 (precision.py)
        items = None if items is None else items.float()
        l0 = model.head.loss(states[supervised], items, batch.targets[supervised], matmul_dtype)
    h_u = last_state(states, batch.inputs)  # [B, H]
    terms, memory = model.graph_terms(h_u, batch.users, batch.last_targets, batch.hop2_users, batch.hop1_users)
    terms = {"l0": l0, **terms}
    loss = l0 + sum(model.lambdas[k] * v for k, v in terms.items() if k != "l0")
    return GalRecOutput(loss, {k: v.detach() for k, v in terms.items()}, memory)
