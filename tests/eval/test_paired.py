"""Paired comparison of two runs from their ranks.tsv files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from galrec.errors import GalrecError
from galrec.eval.paired import (
    PairedDiff,
    common_users,
    metrics_on_users,
    paired_difference,
    per_user,
    pooled_difference,
)


def _run(folder: Path, ranks: dict[str, int]) -> Path:
    folder.mkdir()
    lines = ["user_id\ttarget_item_id\trank", *(f"{u}\t7\t{r}" for u, r in ranks.items())]
    (folder / "ranks.tsv").write_text("\n".join(lines) + "\n")
    return folder


def test_per_user_metrics_by_hand() -> None:
    ranks = np.array([1, 3, 10, 11])
    assert per_user(ranks, "hr@10").tolist() == [1, 1, 1, 0]
    assert per_user(ranks, "ndcg@10") == pytest.approx([1.0, 0.5, 1 / math.log2(11), 0.0])
    with pytest.raises(GalrecError, match="ndcg@K or hr@K"):
        per_user(ranks, "mrr@10")


def test_users_are_paired_by_id_not_by_line(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", {"u1": 1, "u2": 3, "u3": 50})
    b = _run(tmp_path / "b", {"u3": 50, "u2": 1, "u1": 1})  # other order
    d = paired_difference(a, b, "ndcg@10")
    diffs = np.array([0.0, 0.5 - 1.0, 0.0])
    assert d.n_users == 3 and d.mean == pytest.approx(diffs.mean())
    assert d.half_width == pytest.approx(1.959964 * diffs.std(ddof=1) / math.sqrt(3))


def test_verdicts() -> None:
    assert PairedDiff(0.01, 0.005, 100).verdict == "better"
    assert PairedDiff(-0.01, 0.005, 100).verdict == "worse"
    assert PairedDiff(0.004, 0.005, 100).verdict == "within noise"


def test_only_users_both_ranked_are_paired(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", {"u1": 1, "u2": 3, "u3": 1})
    b = _run(tmp_path / "b", {"u1": 1, "u9": 3, "u3": 1})
    assert paired_difference(a, b).n_users == 2 and common_users([a, b]) == ["u1", "u3"]
    assert metrics_on_users(a, ["u2"])["hr@5"] == 1.0 and metrics_on_users(a, ["u2"])["ndcg@5"] == 0.5
    c = _run(tmp_path / "c", {"u7": 1})
    with pytest.raises(GalrecError, match="no test user in common"):
        paired_difference(a, c)


def test_pooled_difference_averages_each_user_over_pairs(tmp_path: Path) -> None:
    a0 = _run(tmp_path / "a0", {"u1": 1, "u2": 3, "u3": 50})
    b0 = _run(tmp_path / "b0", {"u1": 1, "u2": 1, "u3": 50})
    a1 = _run(tmp_path / "a1", {"u1": 3, "u2": 1, "u3": 1, "u4": 1})
    b1 = _run(tmp_path / "b1", {"u1": 1, "u2": 1, "u3": 50, "u4": 9})
    d = pooled_difference([(a0, b0), (a1, b1)], "ndcg@10")
    per_pair = np.array([[0.0, -0.5, 0.0], [-0.5, 0.0, 1.0]])  # u4 is not in every run
    diffs = per_pair.mean(axis=0)
    assert d.n_users == 3 and d.mean == pytest.approx(diffs.mean())
    assert d.half_width == pytest.approx(1.959964 * diffs.std(ddof=1) / math.sqrt(3))
    assert pooled_difference([(a0, b0)]) == paired_difference(a0, b0)
    with pytest.raises(GalrecError, match="at least one pair"):
        pooled_difference([])
