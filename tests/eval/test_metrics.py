"""HR, NDCG and MRR against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from galrec.eval.metrics import metrics_from_ranks


def test_hand_computed_values() -> None:
    m = metrics_from_ranks(np.array([1, 2, 3, 11, 21]))
    assert m["hr@5"] == pytest.approx(3 / 5)
    assert m["hr@10"] == pytest.approx(3 / 5)
    assert m["hr@20"] == pytest.approx(4 / 5)
    head = 1 + 1 / math.log2(3) + 1 / 2  # ranks 1, 2, 3: 1/log2(rank + 1)
    assert m["ndcg@5"] == pytest.approx(head / 5)
    assert m["ndcg@10"] == pytest.approx(head / 5)
    assert m["ndcg@20"] == pytest.approx((head + 1 / math.log2(12)) / 5)
    assert m["mrr@5"] == pytest.approx((1 + 1 / 2 + 1 / 3) / 5)
    assert m["mrr@20"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 11) / 5)


def test_averages_over_exactly_the_ranks_given() -> None:
    assert metrics_from_ranks(np.array([1]))["ndcg@5"] == 1.0
    assert metrics_from_ranks(np.array([6, 6, 6, 1]), ks=[5])["hr@5"] == 0.25
    assert set(metrics_from_ranks(np.array([1]), ks=[3])) == {"hr@3", "ndcg@3", "mrr@3"}


@pytest.mark.parametrize("bad", [np.array([]), np.array([0, 1]), np.array([[1, 2]])])
def test_rejects_bad_ranks(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        metrics_from_ranks(bad)
