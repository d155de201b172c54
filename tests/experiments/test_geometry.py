"""Alignment and uniformity against hand-computed values; hop aggregates on a small graph."""

from __future__ import annotations

import math

import numpy as np
import pytest

from galrec.data.sequences import Sequences
from galrec.experiments.geometry import alignment, hop_geometry, neighbour_mean, uniformity
from galrec.experiments.represent import TableEncoder
from galrec.graph.bipartite import BipartiteGraph


def test_alignment_by_hand() -> None:
    x = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 4.0]])  # normalised: (1,0), (0,1), (0.6,0.8)
    y = np.array([[5.0, 0.0], [1.0, 0.0], [4.0, -3.0]])  # (1,0), (1,0), (0.8,-0.6)
    # squared distances: 0; 2; (0.6-0.8)² + (0.8+0.6)² = 0.04 + 1.96 = 2
    assert alignment(x, y) == pytest.approx((0 + 2 + 2) / 3)
    with pytest.raises(ValueError):
        alignment(x, y[:2])


def test_uniformity_by_hand() -> None:
    x = np.array([[1.0, 0.0], [0.0, 3.0], [-2.0, 0.0], [0.0, -1.0]])  # the four compass points
    # pairs: 4 neighbours at squared distance 2, 2 opposites at 4
    want = math.log((4 * math.exp(-2 * 2) + 2 * math.exp(-2 * 4)) / 6)
    assert uniformity(x) == pytest.approx(want)
    assert uniformity(np.ones((3, 2))) == pytest.approx(0.0)  # collapsed: the maximum, log 1
    assert uniformity(x[:3]) == pytest.approx(math.log((2 * math.exp(-4) + math.exp(-8)) / 3))


def test_neighbour_mean() -> None:
    ids = np.array([2, 5, 7])
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    neighbours = np.array([[2, 7, 0], [0, 0, 0], [5, 5, 2]])
    mean, has = neighbour_mean(vectors, ids, neighbours)
    assert np.allclose(mean, [[2.0, 1.5], [0.0, 0.0], [1 / 3, 2 / 3]])
    assert has.tolist() == [True, False, True]


def test_hop_geometry_on_a_small_graph() -> None:
    seqs = Sequences.from_lists([[], [1, 2, 3], [2, 3], [3, 4, 5], [1, 5], [4, 2]])
    graph = BipartiteGraph.from_sequences(seqs, n_items=5)
    rng = np.random.default_rng(0)
    enc = TableEncoder("random", rng.normal(size=(6, 4)), rng.normal(size=(6, 4)))
    out = hop_geometry(enc, graph, n_pairs=50, k=2, seed=0)
    assert out["interactions"] == graph.n_edges == 12
    for h in range(3):
        g = out[f"hop{h}"]
        assert 0.0 <= g["alignment"] <= 4.0 and -4.0 <= g["uniformity_users"] <= 0.0
        assert -4.0 <= g["uniformity_items"] <= 0.0 and g["pairs"] == 12
    # hop 0 is the tables themselves over every edge
    users, items = graph.user_item.nonzero()
    assert out["hop0"]["alignment"] == pytest.approx(alignment(enc.user_table[users], enc.item_table[items]))
    assert out == hop_geometry(enc, graph, n_pairs=50, k=2, seed=0)  # seeded
