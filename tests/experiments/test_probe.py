"""The text-twin probe: pair search against brute force, audience labels by hand, AUC on known cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.errors import GalrecError
from galrec.experiments.probe import (
    MIN_USERS,
    Twins,
    find_twins,
    probe,
    similar_pairs,
    title_vectors,
    twin_auc,
)
from galrec.experiments.represent import TableEncoder


def test_auc_is_one_when_overlap_pairs_are_the_closer_ones() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 4))
    close = a[:3] + 0.01 * rng.normal(size=(3, 4))  # overlap pairs: nearly the same vector
    far = -a[3:] + 0.01 * rng.normal(size=(3, 4))  # disjoint pairs: opposite vectors
    b = np.concatenate([close, far])
    overlap = np.array([True, True, True, False, False, False])
    assert twin_auc(a, b, overlap) == 1.0
    assert twin_auc(a, b, ~overlap) == 0.0
    assert twin_auc(a, a, overlap) == 0.5  # every pair at cosine 1: the representation cannot tell
    assert twin_auc(a, b, np.ones(6, bool)) is None  # one class only: undefined


def test_similar_pairs_match_brute_force() -> None:
    x = sp.random(23, 15, density=0.4, random_state=2, format="csr", dtype=np.float32)
    x = sp.csr_matrix(x.multiply(1 / np.maximum(np.sqrt(x.multiply(x).sum(1)), 1e-9)))
    dense = (x @ x.T).toarray()
    pairs, sims = similar_pairs(x, 0.3, chunk=5)
    want = {(a, b) for a in range(23) for b in range(a + 1, 23) if dense[a, b] >= 0.3}
    assert set(map(tuple, pairs.tolist())) == want and len(pairs) == len(want)
    assert np.allclose(sims, dense[pairs[:, 0], pairs[:, 1]], atol=1e-6)


def test_twins_are_labelled_by_their_training_audiences(catalogue) -> None:
    loo = LeaveOneOut.from_interactions(load_dataset(str(catalogue)))
    twins = find_twins(loo, threshold=0.8)
    assert len(twins.pairs) == sum(twins.found.values()) and min(twins.found.values()) > 0
    users_of = {}
    for u in range(1, loo.data.n_users + 1):
        for i in loo.train.row(u):
            users_of.setdefault(int(i), set()).add(u)
    x = title_vectors(loo.data.titles)
    for (a, b), jac, cos in zip(twins.pairs.tolist(), twins.jaccard, twins.title_cosine):
        ua, ub = users_of[a], users_of[b]
        assert len(ua) >= MIN_USERS and len(ub) >= MIN_USERS
        assert jac == pytest.approx(len(ua & ub) / len(ua | ub))
        assert cos >= 0.8 and cos == pytest.approx(float((x[a] @ x[b].T).toarray()[0, 0]), abs=1e-5)
    capped = find_twins(loo, threshold=0.8, max_pairs=3)
    assert capped.found == twins.found and (capped.overlap.sum(), (~capped.overlap).sum()) == (3, 3)
    assert np.array_equal(find_twins(loo, 0.8, max_pairs=3).pairs, capped.pairs)  # seeded


def test_probe_scores_each_encoder() -> None:
    items = np.eye(6, dtype=np.float32)  # item k is the k-th unit vector (row 0 padding)
    items[2] = items[1]  # pair (1, 2): identical vectors, overlapping audiences
    table = TableEncoder("by hand", items)
    twins = Twins(np.array([[1, 2], [3, 4]]), np.array([0.9, 0.9]), np.array([0.5, 0.0]), {"overlap": 1, "disjoint": 1})
    (row,) = probe(twins, [table])
    assert row["auc"] == 1.0 and row["mean_cosine_overlap"] == pytest.approx(1.0)
    assert row["mean_cosine_disjoint"] == pytest.approx(0.0)


def test_a_dataset_without_titles_is_a_clear_error(catalogue) -> None:
    loo = LeaveOneOut.from_interactions(load_dataset(str(catalogue)))
    untitled = dataclasses.replace(loo, data=dataclasses.replace(loo.data, titles=[""] * (loo.data.n_items + 1)))
    with pytest.raises(GalrecError, match="no item titles"):
        find_twins(untitled)
