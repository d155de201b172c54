"""Alignment and uniformity (Wang and Isola, ICML 2020) of user and item representations by hop.

On L2-normalised vectors f:

    alignment  = E_{(x, y) ~ positive pairs} ||f(x) - f(y)||²          lower: positives closer
    uniformity = log E_{x, y ~ nodes, x ≠ y} exp(-2 ||f(x) - f(y)||²)   lower: more spread out

As in DirectAU (Wang et al., KDD 2022), the positive pairs are observed training interactions
(u, i) and uniformity is measured separately for users and for items. "Hop h" mirrors the
layers of a GNN and the notation of METHOD.md, with E0 the encoder's own vector of a node:

    h = 0:  U0(u) = E0_u                          I0(i) = E0_i
    h = 1:  U1(u) = mean E0 of u's items          I1(i) = mean E0 of i's users
    h = 2:  U2(u) = mean E0 of u's 2-hop users    I2(i) = mean E0 of i's co-interacted items

Neighbours are sampled (``k`` per node, seeded) from the training graph only. Interactions are
drawn uniformly, so users and items enter in proportion to their activity, as in DirectAU.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist

from galrec.experiments.represent import Encoder
from galrec.graph.bipartite import BipartiteGraph
from galrec.graph.sampling import sample_hop1, sample_hop2_items, sample_hop2_users

UNIFORMITY_T = 2.0  # Wang and Isola's t; alignment uses their α = 2


def normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def alignment(x: np.ndarray, y: np.ndarray) -> float:
    """Mean squared distance between normalised rows ``x[k]`` and ``y[k]``. x, y: [N, d]"""
    if x.shape != y.shape or len(x) == 0:
        raise ValueError(f"alignment needs two non-empty arrays of one shape, got {x.shape} and {y.shape}")
    return float((np.linalg.norm(normalise(x) - normalise(y), axis=1) ** 2).mean())


def uniformity(x: np.ndarray, t: float = UNIFORMITY_T) -> float:
    """log of the mean Gaussian potential over all pairs of distinct rows. x: [N, d], N >= 2"""
    if len(x) < 2:
        raise ValueError(f"uniformity needs at least 2 vectors, got {len(x)}")
    sq = pdist(normalise(x), "sqeuclidean")  # [N (N - 1) / 2]
    return float(np.log(np.exp(-t * sq).mean()))


def neighbour_mean(vectors: np.ndarray, ids: np.ndarray, neighbours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the rows of ``vectors`` (row r belongs to ``ids[r]``) over each 0-padded
    neighbour list [N, k] -> [N, d], and whether the node had any neighbour [N]."""
    pos = np.searchsorted(ids, neighbours)  # [N, k] ids is sorted and holds every neighbour
    present = neighbours > 0  # [N, k]
    rows = vectors[np.where(present, pos, 0)] * present[..., None]  # [N, k, d]
    count = present.sum(1)  # [N]
    return rows.sum(1) / np.maximum(count, 1)[:, None], count > 0


def sample_interactions(graph: BipartiteGraph, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` training interactions drawn uniformly without replacement: users [n], items [n]."""
    ui = graph.user_item.tocoo()
    pick = rng.choice(ui.nnz, size=min(n, ui.nnz), replace=False)
    return ui.row[pick].astype(np.int64), ui.col[pick].astype(np.int64)


def hop_geometry(
    encoder: Encoder, graph: BipartiteGraph, n_pairs: int = 1000, k: int = 3, seed: int = 0, max_nodes: int = 2000
) -> dict:
    """Alignment and user/item uniformity at hops 0, 1, 2 of ``encoder``'s representations."""
    rng = np.random.default_rng([seed, 5])
    users, items = sample_interactions(graph, n_pairs, rng)  # [S], [S]
    hop1_items = sample_hop1(graph.user_item, users, k, rng)  # [S, k] u's items
    hop2_users = sample_hop2_users(graph, users, k, rng)  # [S, k]
    hop1_users = sample_hop1(graph.item_user, items, k, rng)  # [S, k] i's audience
    hop2_items = sample_hop2_items(graph, items, k, rng)  # [S, k]

    user_ids = np.unique(np.concatenate([users, hop2_users.ravel(), hop1_users.ravel()]))
    item_ids = np.unique(np.concatenate([items, hop1_items.ravel(), hop2_items.ravel()]))
    user_ids, item_ids = user_ids[user_ids > 0], item_ids[item_ids > 0]
    e_user = encoder.users(user_ids)  # [n_u, d] rows in user_ids order
    e_item = encoder.items(item_ids)  # [n_i, d]

    own_u = e_user[np.searchsorted(user_ids, users)]  # [S, d]
    own_i = e_item[np.searchsorted(item_ids, items)]
    u1, has_u1 = neighbour_mean(e_item, item_ids, hop1_items)
    u2, has_u2 = neighbour_mean(e_user, user_ids, hop2_users)
    i1, has_i1 = neighbour_mean(e_user, user_ids, hop1_users)
    i2, has_i2 = neighbour_mean(e_item, item_ids, hop2_items)
    hops = {
        0: (own_u, np.ones(len(users), bool), own_i, np.ones(len(items), bool)),
        1: (u1, has_u1, i1, has_i1),
        2: (u2, has_u2, i2, has_i2),
    }
    out = {}
    for h, (u_vec, u_ok, i_vec, i_ok) in hops.items():
        both = u_ok & i_ok
        out[f"hop{h}"] = {
            "alignment": alignment(u_vec[both], i_vec[both]),
            "uniformity_users": uniformity(_distinct(u_vec[u_ok], users[u_ok], max_nodes, rng)),
            "uniformity_items": uniformity(_distinct(i_vec[i_ok], items[i_ok], max_nodes, rng)),
            "pairs": int(both.sum()),
        }
    return {
        "encoder": encoder.name,
        "item_view": encoder.item_view,
        "interactions": len(users),
        "neighbours_per_node": k,
        "encoded_users": len(user_ids),
        "encoded_items": len(item_ids),
        **out,
    }


def _distinct(vectors: np.ndarray, ids: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    """One row per distinct node (its first occurrence), at most ``cap`` of them (seeded)."""
    _, first = np.unique(ids, return_index=True)
    if len(first) > cap:
        first = rng.choice(first, cap, replace=False)
    return vectors[np.sort(first)]
