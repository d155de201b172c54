"""No validation or test interaction may enter the graph a model trains on (issue 2, section 3)."""

from __future__ import annotations

import numpy as np
import pytest

from galrec.data.dataset import Interactions
from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph
from galrec.paths import data_dir


def edge_set(graph: BipartiteGraph) -> set[tuple[int, int]]:
    coo = graph.user_item.tocoo()
    return set(zip(coo.row.tolist(), coo.col.tolist()))


def assert_no_leak(data: Interactions) -> None:
    """Check both graphs against targets read straight from the raw sequences, not the split."""
    loo = LeaveOneOut.from_interactions(data)
    train_edges = edge_set(BipartiteGraph.from_split(loo, "valid"))
    test_edges = edge_set(BipartiteGraph.from_split(loo, "test"))
    expected_train, expected_test = set(), set()
    for u in range(1, data.n_users + 1):
        row = data.sequences.row(u).tolist()
        valid_t, test_t, train_part = row[-2], row[-1], row[:-2]
        expected_train |= {(u, i) for i in train_part}
        expected_test |= {(u, i) for i in row[:-1]}
        if (u, valid_t) in train_edges:
            assert valid_t in train_part, f"user {u}: validation item {valid_t} leaked into the graph"
        if (u, test_t) in train_edges:
            assert test_t in train_part, f"user {u}: test item {test_t} leaked into the graph"
        if (u, test_t) in test_edges:
            assert test_t in row[:-1], f"user {u}: test item {test_t} leaked into the test-time graph"
    assert train_edges == expected_train
    assert test_edges == expected_test


def test_synthetic_log_does_not_leak(random_log: Interactions) -> None:
    loo = LeaveOneOut.from_interactions(random_log)
    repeats = [u for u in range(1, random_log.n_users + 1) if loo.test_target[u] in loo.test_input.row(u)]
    assert repeats, "the fixture must contain repeated test targets to exercise the exception"
    assert_no_leak(random_log)


def test_graph_rows_and_padding_are_binary_and_sorted(random_log: Interactions) -> None:
    graph = BipartiteGraph.from_split(LeaveOneOut.from_interactions(random_log), "valid")
    assert graph.user_item.shape == (random_log.n_users + 1, random_log.n_items + 1)
    assert graph.user_item[0].nnz == 0 and graph.item_user[0].nnz == 0
    assert (graph.user_item.data == 1).all()
    assert graph.user_item.has_sorted_indices and graph.item_user.has_sorted_indices
    assert (graph.item_user != graph.user_item.T).nnz == 0


@pytest.mark.skipif(
    data_dir() is None or not (data_dir() / "beauty").is_dir(), reason="benchmark datasets absent"
)
def test_beauty_does_not_leak() -> None:
    assert_no_leak(load_dataset("beauty"))
