"""Rank each user's target among the catalogue.

Tie rule: rank = 1 + the number of *unmasked* items whose score is strictly higher than the
target's. Ties therefore favour the target; it is the rule RecBole's full-sort evaluation uses
and it makes a constant scorer rank every target first, so scorers must not emit constants
(every model here produces continuous scores).

Masking: the padding item 0 and every item of the user's input history are removed before
ranking. A target that is itself in the history (repeat consumption, Yelp) is removed as well
when ``mask_repeats`` is on (the S3-Rec/RecBole rule) and then counts as a miss with rank
``n_items + 1``; with ``mask_repeats`` off the target alone is kept.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from galrec.data.sequences import Sequences

# score_fn(users [B], histories [B, L] left-padded) -> scores [B, n_items + 1]
ScoreFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def history_mask_indices(inputs: Sequences, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(batch row, item) pairs of every history item of ``users``, for fancy-index masking."""
    lengths = inputs.lengths[users]
    rows = np.repeat(np.arange(len(users)), lengths)
    starts = np.repeat(inputs.indptr[users], lengths)
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return rows, inputs.items[starts + within]


def repeated_targets(
    targets: torch.Tensor, mask_rows: torch.Tensor, mask_items: torch.Tensor  # [B], [M], [M]
) -> torch.Tensor:
    """Which targets are themselves in their row's history (repeat consumption). [B] bool"""
    repeated = torch.zeros(len(targets), dtype=torch.bool, device=targets.device)
    if len(mask_items):
        repeated[mask_rows[mask_items == targets[mask_rows]]] = True
    return repeated


def rank_batch(
    scores: torch.Tensor,  # [B, n_items + 1]
    targets: torch.Tensor,  # [B]
    mask_rows: torch.Tensor,  # [M] batch rows of history items
    mask_items: torch.Tensor,  # [M] history items
    mask_repeats: bool = True,
) -> torch.Tensor:
    """1-based ranks of ``targets`` under the tie and masking rules above. [B]"""
    scores = scores.float().clone()
    n_items = scores.shape[1] - 1
    rows = torch.arange(len(targets), device=scores.device)
    target_scores = scores[rows, targets]  # [B]
    repeated = repeated_targets(targets, mask_rows, mask_items)
    if len(mask_items):
        scores[mask_rows, mask_items] = float("-inf")
    scores[:, 0] = float("-inf")
    higher = (scores > target_scores[:, None]).sum(dim=1)  # [B]
    ranks = higher + 1
    if mask_repeats:
        ranks = torch.where(repeated, torch.full_like(ranks, n_items + 1), ranks)
    return ranks


@torch.no_grad()
def full_ranks(
    score_fn: ScoreFn,
    inputs: Sequences,
    targets: np.ndarray,  # [n_users + 1] target item of every user row
    users: np.ndarray,  # [U] users to evaluate
    max_len: int,
    batch_size: int = 1024,
    mask_repeats: bool = True,
    device: torch.device | str = "cpu",
    progress: bool = False,
) -> np.ndarray:
    """Rank every user's target against the whole catalogue. [U]

    Users are scored in batches of similar history length (shortest first) and the ranks put back
    in ``users``' order: a sequence model's batch costs its longest history, so batches of mixed
    lengths would pay ``max_len`` for nearly every row (on Beauty the mean is 9 of 50).
    """
    from tqdm.auto import tqdm

    out = np.empty(len(users), dtype=np.int64)
    order = np.argsort(np.minimum(inputs.lengths[users], max_len), kind="stable")  # [U]
    starts = range(0, len(users), batch_size)
    for start in tqdm(starts, desc="ranking", unit="batch", disable=not progress, leave=False):
        rows = order[start : start + batch_size]
        batch = users[rows]
        hist = inputs.padded(batch, max_len).to(device)
        scores = score_fn(torch.from_numpy(batch).to(device), hist)  # [B, n_items + 1]
        m_rows, m_items = history_mask_indices(inputs, batch)
        ranks = rank_batch(
            scores,
            torch.from_numpy(targets[batch]).to(scores.device),
            torch.from_numpy(m_rows).to(scores.device),
            torch.from_numpy(m_items).to(scores.device),
            mask_repeats,
        )
        out[rows] = ranks.cpu().numpy()
    return out


def sampled_negatives(
    n_items: int, users: np.ndarray, inputs: Sequences, targets: np.ndarray, n_neg: int, seed: int
) -> np.ndarray:
    """``n_neg`` uniform negatives per user, outside the history and the target. [U, n_neg]

    Drawn from a generator seeded by (seed, user), so a user's negatives do not depend on which
    other users are evaluated or in what order.
    """
    out = np.empty((len(users), n_neg), dtype=np.int64)
    for j, u in enumerate(users):
        rng = np.random.default_rng([seed, int(u)])
        banned = set(inputs.row(u).tolist()) | {int(targets[u]), 0}
        if n_items - len(banned) + 1 < n_neg:
            raise ValueError(f"user {u}: fewer than {n_neg} items outside the history to sample from")
        picked: list[int] = []
        while len(picked) < n_neg:
            for c in rng.integers(1, n_items + 1, size=2 * n_neg):
                c = int(c)
                if c not in banned:
                    banned.add(c)
                    picked.append(c)
                    if len(picked) == n_neg:
                        break
        out[j] = picked
    return out


@torch.no_grad()
def sampled_ranks(
    score_fn: ScoreFn,
    inputs: Sequences,
    targets: np.ndarray,
    users: np.ndarray,
    n_items: int,
    max_len: int,
    n_neg: int = 100,
    seed: int = 0,
    batch_size: int = 1024,
    mask_repeats: bool = True,
    device: torch.device | str = "cpu",
) -> np.ndarray:
    """Rank of the target among itself and ``n_neg`` sampled negatives ("sampled-100"). [U]

    Under ``mask_repeats`` a target already in the history is a miss (rank ``n_neg + 2``), the
    same rule as the full protocol.
    """
    negs = sampled_negatives(n_items, users, inputs, targets, n_neg, seed)
    out = np.empty(len(users), dtype=np.int64)
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        hist = inputs.padded(batch, max_len).to(device)
        scores = score_fn(torch.from_numpy(batch).to(device), hist).float()  # [B, n_items + 1]
        cand = torch.from_numpy(negs[start : start + len(batch)]).to(scores.device)  # [B, n_neg]
        tgt = torch.from_numpy(targets[batch]).to(scores.device)
        t_score = scores.gather(1, tgt[:, None])  # [B, 1]
        n_score = scores.gather(1, cand)  # [B, n_neg]
        ranks = ((n_score > t_score).sum(1) + 1).cpu().numpy()
        if mask_repeats:
            m_rows, m_items = history_mask_indices(inputs, batch)
            ranks[np.unique(m_rows[m_items == targets[batch][m_rows]])] = n_neg + 2
        out[start : start + len(batch)] = ranks
    return out
