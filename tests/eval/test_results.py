"""metrics.json and ranks.tsv: the metrics written equal those recomputed from the ranks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from galrec.config import EvalConfig
from galrec.data.split import LeaveOneOut
from galrec.eval.evaluate import evaluate
from galrec.eval.results import HEADLINE_KEYS, recompute_test_metrics, write_results


@pytest.mark.parametrize("protocol", ["full", "sampled-100"])
def test_written_metrics_equal_recomputed(tmp_path: Path, loo: LeaveOneOut, score_fn, protocol: str) -> None:
    cfg = EvalConfig(protocol=protocol, batch_size=8)
    valid = evaluate(score_fn, loo, "valid", cfg, max_len=50)
    test = evaluate(score_fn, loo, "test", cfg, max_len=50)
    payload = write_results(tmp_path, valid, test, loo, mask_repeats=True)

    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written == payload
    assert written["protocol"] == protocol
    assert written["users_evaluated"] == loo.data.n_users
    assert list(written["test"]) == list(HEADLINE_KEYS)
    assert recompute_test_metrics(tmp_path) == written["test"]

    lines = (tmp_path / "ranks.tsv").read_text().splitlines()
    assert lines[0] == "user_id\ttarget_item_id\trank"
    assert len(lines) == loo.data.n_users + 1
    user, item, rank = lines[1].split("\t")
    assert (user, item, int(rank)) == ("user-1", f"item-{loo.test_target[1]}", int(test.ranks[0]))
