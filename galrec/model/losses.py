"""The losses of METHOD.md, component 3.

L0 is the cross-entropy of the next item over the whole catalogue (padding excluded):

    L0 = -log softmax(s_u)_{i+}

L1-L3 are InfoNCE with cosine similarity and temperature tau. For anchor a_b with positive p_b,
the candidates are every positive of the batch (in-batch negatives) plus the queue's keys q_k:

    L = -1/|V| Σ_{b ∈ V} log  exp(cos(a_b, p_b)/tau) / Z_b
    Z_b = Σ_c exp(cos(a_b, p_c)/tau) + Σ_k exp(cos(a_b, q_k)/tau)

V holds the rows whose positive exists (a bank mean needs at least one seen neighbour). In-batch
columns that duplicate the row's positive node or have no positive, and queue slots that are
empty or hold the anchor's own node, are left out of the denominator (false negatives).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def catalogue_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """logits [B, n_items + 1], targets [B] in 1..n_items -> L0 (column 0, padding, excluded)."""
    return F.cross_entropy(logits[:, 1:], targets - 1)


def info_nce(
    anchor: torch.Tensor,  # [B, P]
    positive: torch.Tensor,  # [B, P]
    tau: float,
    valid: torch.Tensor,  # [B] bool: the row has a positive
    positive_ids: torch.Tensor,  # [B] node id of each positive, to drop in-batch duplicates
    queue_keys: torch.Tensor,  # [K, P] unit vectors (K may be 0)
    queue_blocked: torch.Tensor,  # [B, K] bool: slots this row must not use
) -> torch.Tensor:
    """InfoNCE over in-batch and queue negatives; a zero with gradient when no row is valid."""
    if not bool(valid.any()):
        return anchor.sum() * 0.0  # keeps the graph (and DDP's bookkeeping) intact
    a = F.normalize(anchor[valid], dim=-1)  # [V, P]
    p = F.normalize(positive, dim=-1)  # [B, P]
    rows = valid.nonzero().squeeze(1)  # [V] batch index of each valid row
    in_batch = a @ p.T / tau  # [V, B]
    same_node = positive_ids[rows][:, None] == positive_ids[None, :]  # [V, B]
    own = rows[:, None] == torch.arange(len(valid), device=valid.device)[None, :]  # [V, B]
    drop = (same_node & ~own) | ~valid[None, :]  # [V, B]
    in_batch = in_batch.masked_fill(drop, float("-inf"))
    from_queue = (a @ queue_keys.T.to(a.dtype) / tau).masked_fill(
        queue_blocked[rows], float("-inf")
    )  # [V, K]
    logits = torch.cat([in_batch, from_queue], dim=1)  # [V, B + K]
    return F.cross_entropy(logits, rows)
