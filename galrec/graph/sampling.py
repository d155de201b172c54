"""Seeded, vectorised 1-hop and 2-hop neighbour sampling on a ``BipartiteGraph``.

The prompts of METHOD.md list a handful of neighbours per node, so sampling runs for every
example of every batch and must cost about as much as the edges it touches: no Python loop per
node, no A·Aᵀ (dense or sparse), no per-item list of co-users. Id 0 pads a row when a node has
no neighbour.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from galrec.graph.bipartite import BipartiteGraph


def _check_nodes(csr: sp.csr_matrix, nodes: np.ndarray, k: int) -> np.ndarray:
    nodes = np.asarray(nodes, dtype=np.int64)
    if nodes.ndim != 1:
        raise ValueError(f"nodes must be 1-D, got shape {nodes.shape}")
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if len(nodes) and (nodes.min() < 0 or nodes.max() >= csr.shape[0]):
        raise ValueError(f"node ids must lie in [0, {csr.shape[0]}), got {nodes.min()}..{nodes.max()}")
    return nodes


def _floyd_positions(deg: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct positions in ``[0, deg)`` per row, a uniform k-subset (Floyd's algorithm). [n, k]

    Needs ``deg >= k``. Costs O(n·k²) whatever the degrees, so a popular item costs no more
    than a rare one.
    """
    picked = np.empty((len(deg), k), dtype=np.int64)
    for step in range(k):
        j = deg - k + step  # [n] the step-th of the last k positions
        t = rng.integers(0, j + 1)  # [n] uniform in [0, j]
        seen = (picked[:, :step] == t[:, None]).any(axis=1)  # [n]
        picked[:, step] = np.where(seen, j, t)
    return picked


def sample_hop1(csr: sp.csr_matrix, nodes: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k neighbours of each node, uniform over its neighbours. [len(nodes), k]

    ``csr`` is ``graph.user_item`` (items of users) or ``graph.item_user`` (users of items).
    A node with at least k neighbours gets k distinct ones, a uniform random k-subset. A node
    with fewer than k gets every neighbour once and the remaining slots drawn uniformly with
    replacement, so the whole neighbourhood is always shown. A node without neighbours gets a
    row of 0. Rows come in random order.
    """
    nodes = _check_nodes(csr, nodes, k)
    deg = np.diff(csr.indptr)[nodes]  # [n]
    out = np.zeros((len(nodes), k), dtype=np.int64)
    if k == 0 or len(nodes) == 0:
        return out
    pos = np.zeros((len(nodes), k), dtype=np.int64)  # [n, k] position inside the node's row
    full = deg >= k
    pos[full] = _floyd_positions(deg[full], k, rng)
    few = ~full & (deg > 0)
    if few.any():
        d = deg[few][:, None]  # [m, 1]
        slot = np.arange(k)[None, :]  # [1, k]
        fill = rng.integers(0, d, size=(len(d), k))  # [m, k]
        pos[few] = np.where(slot < d, slot, fill)
    has = deg > 0
    idx = csr.indptr[nodes][has][:, None] + pos[has]  # [n_has, k] edge index
    out[has] = rng.permuted(csr.indices[idx], axis=1)
    return out


def _sample_two_paths(
    back: sp.csr_matrix,
    nodes: np.ndarray,
    mids: np.ndarray,
    seg_len: np.ndarray,
    contains: np.ndarray,
    k: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """k i.i.d. draws of nodes v != u reached by a 2-path u -> m -> v, m among u's ``mids``. [n, k]

    Node ``nodes[j]`` owns the segment ``mids[s_j : s_j + seg_len[j]]`` of middle nodes (its
    neighbours); ``contains`` [E] says whether u itself is in N(m) (``back`` maps a middle node
    to its neighbours, rows sorted). Let c(u, v) = |mids(u) ∩ N(v)|. Each draw is a uniform
    random 2-path:

    1. pick a middle node m with probability (deg(m) - [u ∈ N(m)]) / S_u, S_u being the sum of
       those weights over u's segment (the number of such 2-paths);
    2. pick v uniformly among the nodes of N(m) other than u.

    So P(v) = c(u, v) / S_u exactly: proportional to the shared count, u itself excluded. (A
    plain random walk would weight each shared neighbour by 1/deg(m) instead.) When S_u = 0 the
    row is 0. Cost: O(Σ seg_len + n·k·log), linear in the edges touched.
    """
    out = np.zeros((len(nodes), k), dtype=np.int64)
    if k == 0 or len(nodes) == 0 or len(mids) == 0:
        return out
    back_deg = np.diff(back.indptr)  # [n_back]
    seg_end = np.cumsum(seg_len)  # [n] end of each node's segment
    seg_start = seg_end - seg_len
    weight = back_deg[mids] - contains  # [E] 2-paths through each middle node, u excluded
    cum = np.concatenate([[0], np.cumsum(weight)])  # [E + 1]
    total = cum[seg_end] - cum[seg_start]  # [n] S_u
    has = np.flatnonzero(total > 0)
    if len(has) == 0:
        return out
    # an integer ticket in [0, S_u) per draw, offset into the node's segment of ``cum``
    ticket = rng.integers(0, total[has][:, None], size=(len(has), k)) + cum[seg_start[has]][:, None]
    chosen = np.searchsorted(cum, ticket, side="right") - 1  # [n_has, k] middle with that ticket
    mid, inside = mids[chosen], contains[chosen]  # [n_has, k] the shared neighbour m
    skip = rng.integers(0, back_deg[mid] - inside)  # [n_has, k] uniform over N(m) minus u
    row_start = back.indptr[mid]  # [n_has, k]
    cand = back.indices[row_start + skip]  # [n_has, k]
    # N(m) is sorted: when it holds u, entries at or after u's slot shift by one to skip u
    after = inside & (cand >= nodes[has][:, None])
    out[has] = back.indices[row_start + skip + after]
    return out


def _sample_hop2(
    fwd: sp.csr_matrix, back: sp.csr_matrix, nodes: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """2-hop draws through every neighbour of each node (``fwd`` rows); see ``_sample_two_paths``."""
    nodes = _check_nodes(fwd, nodes, k)
    deg = np.diff(fwd.indptr)[nodes]  # [n]
    seg_start = np.cumsum(deg) - deg
    edges = np.repeat(fwd.indptr[nodes] - seg_start, deg) + np.arange(deg.sum())  # [E_n]
    contains = np.ones(len(edges), dtype=np.int64)  # u is a neighbour of each of its neighbours
    return _sample_two_paths(back, nodes, fwd.indices[edges], deg, contains, k, rng)


def sample_hop2_users_via(
    graph: BipartiteGraph, users: np.ndarray, items: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """k users who share items of ``items`` [n, L] (0-padded) with each user, ∝ shared count. [n, k]

    The same distribution as ``sample_hop2_users`` but through the items a prompt shows rather
    than the user's whole graph row: a training example built from a prefix then draws its
    2-hop users through that prefix only, exactly as a test prompt draws them through its input,
    and never through the item it must predict. ``users`` may be 0 (a bare history).
    """
    users = _check_nodes(graph.user_item, users, k)
    items = np.asarray(items, dtype=np.int64)
    if items.shape[0] != len(users):
        raise ValueError(f"{len(users)} users but {items.shape[0]} item rows")
    real = items > 0  # [n, L]
    rows = np.nonzero(real)[0]  # [E] owner row of each shown item, row-major
    mids = items[real]  # [E]
    owner = users[rows]
    contains = (np.asarray(graph.user_item[owner, mids]).ravel() > 0).astype(np.int64)  # [E]
    return _sample_two_paths(graph.item_user, users, mids, real.sum(axis=1), contains, k, rng)


def sample_hop2_users(
    graph: BipartiteGraph, users: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """k users who share items with each user, P(v) ∝ number of shared items, v != u. [len(users), k]

    Draws are independent (with replacement); see ``_sample_hop2`` for the exact distribution.
    """
    return _sample_hop2(graph.user_item, graph.item_user, users, k, rng)


def sample_hop2_items(
    graph: BipartiteGraph, items: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """k items co-interacted with each item, P(j) ∝ number of shared users, j != i. [len(items), k]

    Draws are independent (with replacement); see ``_sample_hop2`` for the exact distribution.
    """
    return _sample_hop2(graph.item_user, graph.user_item, items, k, rng)
