"""``eval.test_users``: a seeded subset of users for the test pass, the same for every model."""

from __future__ import annotations

import numpy as np
import pytest

from galrec.config import EvalConfig, GalRecConfig
from galrec.typed_config import load_config
from galrec.errors import GalrecError
from galrec.eval.evaluate import evaluate, evaluated_users
from galrec.eval.metrics import metrics_from_ranks


def test_the_subset_is_seeded_sorted_and_only_for_the_test_split(loo) -> None:
    cfg = EvalConfig(test_users=12)
    users = evaluated_users(loo, cfg, "test", seed=0)
    assert len(users) == 12 and np.all(np.diff(users) > 0) and set(users) <= set(loo.eval_users())
    assert np.array_equal(users, evaluated_users(loo, cfg, "test", seed=0))
    assert not np.array_equal(users, evaluated_users(loo, cfg, "test", seed=1))
    assert np.array_equal(evaluated_users(loo, cfg, "valid", seed=0), loo.eval_users())
    assert np.array_equal(evaluated_users(loo, EvalConfig(test_users=0), "test", 0), loo.eval_users())
    assert np.array_equal(evaluated_users(loo, EvalConfig(test_users=10**6), "test", 0), loo.eval_users())


def test_metrics_average_over_the_subset_only(loo, score_fn) -> None:
    full = evaluate(score_fn, loo, "test", EvalConfig(), max_len=50)
    part = evaluate(score_fn, loo, "test", EvalConfig(test_users=12), max_len=50)
    keep = np.isin(full.users, part.users)
    assert np.array_equal(part.ranks, full.ranks[keep])  # same scorer: the same ranks for those users
    assert part.metrics == metrics_from_ranks(full.ranks[keep], [5, 10, 20])


def test_a_negative_count_is_a_config_error() -> None:
    with pytest.raises(GalrecError, match="eval.test_users"):
        load_config(GalRecConfig, None, ["eval.test_users=-1"])
