"""load_run and LoadedRun.recommend: dispatch, exclusion, batching, the popularity fallback."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from galrec.baselines.registry import REGISTRY
from galrec.errors import GalrecError
from galrec.serve.loading import LoadedRun, load_run
from galrec.serve.recommend import recommend_internal

from .conftest import MAX_LEN, N_ITEMS


def test_load_run_reads_model_and_max_len(loaded: LoadedRun) -> None:
    assert loaded.model_name == "sasrec"
    assert loaded.max_len == MAX_LEN
    assert loaded.data.n_items == N_ITEMS


def test_recommend_excludes_history_and_padding_and_sorts(loaded: LoadedRun) -> None:
    rng = np.random.default_rng(0)
    histories = [rng.choice(np.arange(1, N_ITEMS + 1), size=n, replace=False) for n in (1, 3, 12, 30)]
    items, scores = loaded.recommend(histories, k=8)
    assert items.shape == scores.shape == (4, 8)
    for h, row_items, row_scores in zip(histories, items, scores):
        assert not set(row_items) & set(h.tolist()), "a history item was recommended"
        assert 0 not in row_items
        assert np.all(np.diff(row_scores) <= 0)


def test_recommend_matches_the_model_scores(loaded: LoadedRun) -> None:
    """The top item is the best unmasked score of the model on the last MAX_LEN items."""
    history = np.arange(1, 11)  # longer than MAX_LEN: scored on its tail, excluded in full
    items, scores = loaded.recommend([history], k=1)
    hist = torch.from_numpy(history[-MAX_LEN:])[None, :]
    with torch.no_grad():
        ref = loaded.model.score(torch.zeros(1, dtype=torch.long), hist)[0].clone()
    ref[0] = float("-inf")
    ref[torch.from_numpy(history)] = float("-inf")
    assert items[0, 0] == int(ref.argmax())
    assert scores[0, 0] == pytest.approx(float(ref.max()), rel=1e-5)


def test_batch_equals_one_by_one(loaded: LoadedRun) -> None:
    histories = [np.array([1, 2, 3]), np.array([7]), np.arange(5, 25)]
    together = loaded.recommend(histories, k=5)
    for j, h in enumerate(histories):
        alone = loaded.recommend([h], k=5)
        np.testing.assert_array_equal(together[0][j], alone[0][0])
        np.testing.assert_allclose(together[1][j], alone[1][0], rtol=1e-5)


def test_k_beyond_the_candidates_pads_with_item_zero(loaded: LoadedRun) -> None:
    history = np.arange(1, N_ITEMS - 2)  # leaves 3 candidates
    items, scores = loaded.recommend([history], k=10)
    assert sorted(items[0, :3]) == [N_ITEMS - 2, N_ITEMS - 1, N_ITEMS]
    assert (items[0, 3:] == 0).all() and np.isneginf(scores[0, 3:]).all()
    recs = recommend_internal(loaded, [history], k=10)
    assert len(recs[0].items) == 3


def test_popularity_counts_the_training_part_only(loaded: LoadedRun) -> None:
    expected = np.bincount(loaded.loo.train.items, minlength=N_ITEMS + 1)
    expected[0] = 0
    np.testing.assert_array_equal(loaded.popularity, expected)
    items, counts = loaded.popular(5)
    assert list(counts) == sorted(expected[1:], reverse=True)[:5]
    assert (expected[items] == counts).all()


def test_empty_history_falls_back_to_popularity(loaded: LoadedRun) -> None:
    recs = recommend_internal(loaded, [np.array([], dtype=np.int64), np.array([1, 2])], k=4)
    assert recs[0].source == "popularity-fallback" and recs[1].source == "model"
    top, _ = loaded.popular(4)
    assert [r.item_id for r in recs[0].items] == loaded.data.items.to_raw(top)


def test_unknown_model_is_a_clear_error(sasrec_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(sasrec_run, run)
    (run / "config.yaml").write_text("model: word2vec\n", encoding="utf-8")
    known = ", ".join(sorted(["galrec", *REGISTRY]))  # every baseline, those added later too
    with pytest.raises(GalrecError, match=f"word2vec.*cannot be served; known: {known}$"):
        load_run(run)


def test_missing_run_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GalrecError, match="does not exist"):
        load_run(tmp_path / "nope")
