"""1-hop and 2-hop samplers: shapes, padding, determinism, support and exact distributions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import chisquare

from galrec.data.sequences import Sequences
from galrec.graph.bipartite import BipartiteGraph
from galrec.graph.sampling import sample_hop1, sample_hop2_items, sample_hop2_users, sample_hop2_users_via


@pytest.fixture
def graph() -> BipartiteGraph:
    """Users 1-5 share items unevenly; user 6 has item 7 alone; item 8 has no user."""
    rows = [[1, 2, 3], [2, 3], [3, 4], [5], [1, 2, 3, 4, 5, 6], [7]]
    return BipartiteGraph.from_sequences(Sequences.from_lists([[], *rows]), n_items=8)


def neighbours(csr: sp.csr_matrix, node: int) -> set[int]:
    return set(csr.indices[csr.indptr[node] : csr.indptr[node + 1]].tolist())


def co_counts(adj: sp.csr_matrix) -> np.ndarray:
    """Exact shared-neighbour counts c(u, v) with the diagonal cleared (tiny graphs only)."""
    counts = (adj @ adj.T).toarray().astype(np.int64)  # [n, n]
    np.fill_diagonal(counts, 0)
    return counts


def test_hop1_shapes_padding_and_support(graph: BipartiteGraph) -> None:
    rng = np.random.default_rng(0)
    users = np.arange(graph.n_users + 1)
    out = sample_hop1(graph.user_item, users, 4, rng)
    assert out.shape == (len(users), 4) and out.dtype == np.int64
    assert (out[0] == 0).all()  # the padding user has no neighbour
    for u in users[1:]:
        nb = neighbours(graph.user_item, u)
        assert set(out[u].tolist()) == nb if len(nb) <= 4 else set(out[u].tolist()) <= nb
    assert (sample_hop1(graph.item_user, np.array([8]), 3, rng) == 0).all()
    assert sample_hop1(graph.item_user, np.array([], dtype=np.int64), 3, rng).shape == (0, 3)
    assert sample_hop1(graph.item_user, np.array([1, 2]), 0, rng).shape == (2, 0)


def test_hop1_without_replacement_when_degree_allows(graph: BipartiteGraph) -> None:
    out = sample_hop1(graph.user_item, np.full(200, 5), 4, np.random.default_rng(1))  # deg 6 >= 4
    assert all(len(set(r)) == 4 for r in out.tolist())


def test_hop1_is_uniform(graph: BipartiteGraph) -> None:
    out = sample_hop1(graph.user_item, np.full(6000, 5), 2, np.random.default_rng(2))  # [6000, 2]
    counts = np.bincount(out.ravel(), minlength=7)[1:]
    assert chisquare(counts).pvalue > 1e-3
    pairs = np.bincount(np.sort(out, axis=1) @ np.array([7, 1]), minlength=49)  # every 2-subset
    assert chisquare(pairs[pairs > 0]).pvalue > 1e-3 and (pairs > 0).sum() == 15


def test_samplers_are_seed_deterministic(graph: BipartiteGraph) -> None:
    users, items = np.arange(1, 7), np.arange(1, 9)
    for fn, args in [
        (sample_hop1, (graph.user_item, users)),
        (sample_hop1, (graph.item_user, items)),
        (sample_hop2_users, (graph, users)),
        (sample_hop2_items, (graph, items)),
    ]:
        a = fn(*args, 16, np.random.default_rng(3))
        b = fn(*args, 16, np.random.default_rng(3))
        c = fn(*args, 16, np.random.default_rng(4))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_hop2_returns_only_real_second_neighbours(graph: BipartiteGraph) -> None:
    rng = np.random.default_rng(5)
    for adj, sampler, n in [
        (graph.user_item, sample_hop2_users, graph.n_users),
        (graph.item_user, sample_hop2_items, graph.n_items),
    ]:
        counts = co_counts(adj)
        nodes = np.arange(n + 1)
        out = sampler(graph, nodes, 50, rng)  # [n + 1, 50]
        assert out.shape == (n + 1, 50)
        for v in nodes:
            support = set(np.flatnonzero(counts[v]).tolist())
            if support:
                assert set(out[v].tolist()) <= support, f"node {v}: {set(out[v].tolist()) - support}"
            else:
                assert (out[v] == 0).all(), f"node {v} shares nothing and must be padded"
    # user 6 and item 8 share nothing with anybody; user 4's only item is shared with user 5
    assert (sample_hop2_users(graph, np.array([6]), 5, rng) == 0).all()
    assert (sample_hop2_items(graph, np.array([8, 7]), 5, rng) == 0).all()
    assert (sample_hop2_users(graph, np.array([4]), 5, rng) == 5).all()


def walk_probabilities(adj: sp.csr_matrix) -> np.ndarray:
    """P(v | u) of the plain walk u -> uniform neighbour -> uniform neighbour (what we avoid)."""
    a = adj.toarray().astype(np.float64)
    row = a / np.maximum(a.sum(1, keepdims=True), 1)
    col = a.T / np.maximum(a.T.sum(1, keepdims=True), 1)
    return row @ col


@pytest.mark.parametrize("side", ["users", "items"])
def test_hop2_distribution_is_proportional_to_shared_count(graph: BipartiteGraph, side: str) -> None:
    adj = graph.user_item if side == "users" else graph.item_user
    sampler = sample_hop2_users if side == "users" else sample_hop2_items
    counts = co_counts(adj)  # [n, n]
    walk = walk_probabilities(adj)
    draws = 4000
    out = sampler(graph, np.arange(adj.shape[0]), draws, np.random.default_rng(6))  # [n, draws]
    tested_power = False
    for v in range(1, adj.shape[0]):
        support = np.flatnonzero(counts[v])
        if len(support) < 2:
            continue
        expected = counts[v, support] / counts[v, support].sum()
        observed = np.bincount(out[v], minlength=adj.shape[0])[support]
        assert observed.sum() == draws
        assert chisquare(observed, expected * draws).pvalue > 1e-3, f"{side} {v}: {observed} vs {expected}"
        walk_p = walk[v, support] / walk[v, support].sum()
        tested_power |= bool(chisquare(observed, walk_p * draws).pvalue < 1e-6)
    assert tested_power, "the fixture must tell shared-count sampling from a plain random walk"


def test_hop2_via_shown_items_follows_only_those_items(graph: BipartiteGraph) -> None:
    """Through a prefix, 2-hop users come ∝ shared counts over the prefix's items alone."""
    draws = 4000
    users = np.array([5, 5, 0])
    shown = np.array([[0, 0, 1, 2], [0, 0, 0, 4], [0, 0, 0, 4]])  # [3, 4] left padded
    out = sample_hop2_users_via(graph, users, shown, draws, np.random.default_rng(7))  # [3, draws]
    # user 5 via items {1, 2}: item 1 -> user 1; item 2 -> users 1, 2 => c = {1: 2, 2: 1}
    observed = np.bincount(out[0], minlength=7)
    assert set(np.flatnonzero(observed)) == {1, 2}
    assert chisquare(observed[[1, 2]], np.array([2, 1]) / 3 * draws).pvalue > 1e-3
    # via item 4 alone: user 3 only (user 5 itself excluded); a bare history (user 0) keeps all
    assert set(out[1].tolist()) == {3}
    assert set(out[2].tolist()) == {3, 5}


def test_hop2_via_full_rows_matches_graph_sampler(graph: BipartiteGraph) -> None:
    users = np.arange(1, 7)
    rows = graph.user_item[users]
    width = int(np.diff(rows.indptr).max())
    shown = np.zeros((len(users), width), dtype=np.int64)
    for j in range(len(users)):
        items = rows.indices[rows.indptr[j] : rows.indptr[j + 1]]
        shown[j, width - len(items) :] = items
    rng_a, rng_b = np.random.default_rng(8), np.random.default_rng(8)
    via = sample_hop2_users_via(graph, users, shown, 50, rng_a)
    direct = sample_hop2_users(graph, users, 50, rng_b)
    np.testing.assert_array_equal(via, direct)  # same 2-paths, same draws
