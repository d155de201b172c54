"""The faiss item index: exact when it scans every cell, history always excluded, and used only
for models whose scores are an inner product against their item table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from galrec.errors import GalrecError
from galrec.serve.index import ItemIndex, factorises
from galrec.serve.loading import LoadedRun, load_run


def brute_force(items: np.ndarray, queries: np.ndarray, k: int, histories: list[np.ndarray]) -> np.ndarray:
    s = queries @ items.T  # [B, n_items + 1]
    s[:, 0] = -np.inf
    for j, h in enumerate(histories):
        s[j, h] = -np.inf
    return np.argsort(-s, axis=1, kind="stable")[:, :k]


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, 16))
    items = centres[rng.integers(0, 20, 3000)] + 0.3 * rng.normal(size=(3000, 16))  # [3000, 16]
    return np.vstack([np.zeros((1, 16)), items]).astype(np.float32)  # row 0: padding


def test_scanning_every_cell_is_exact_and_excludes_the_history(vectors: np.ndarray) -> None:
    index = ItemIndex.build(vectors, nlist=16, nprobe=16)
    rng = np.random.default_rng(1)
    queries = rng.normal(size=(6, 16)).astype(np.float32)
    exact_top = brute_force(vectors, queries, 20, [np.array([], np.int64)] * 6)
    histories = [exact_top[j, : 2 * j] for j in range(6)]  # the best items themselves, 0 to 10 of them
    items, scores = index.search(queries, 10, histories)
    np.testing.assert_array_equal(items, brute_force(vectors, queries, 10, histories))
    for h, row in zip(histories, items):
        assert not set(h.tolist()) & set(row.tolist()) and 0 not in row
    assert np.all(np.diff(scores, axis=1) <= 1e-6)


def test_few_cells_scanned_still_find_most_of_the_exact_top10(vectors: np.ndarray) -> None:
    index = ItemIndex.build(vectors, nlist=64, nprobe=8)
    rng = np.random.default_rng(2)
    queries = vectors[rng.integers(1, len(vectors), 50)] + 0.1 * rng.normal(size=(50, 16)).astype(np.float32)
    none = [np.array([], np.int64)] * 50
    items, _ = index.search(queries, 10, none)
    exact = brute_force(vectors, queries, 10, none)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(items, exact)])
    assert recall >= 0.9, recall


def test_sasrec_factorises_and_lightgcn_does_not(loaded: LoadedRun, lightgcn_run: Path) -> None:
    hist = loaded.loo.train.padded(np.arange(1, 5), loaded.max_len)
    assert factorises(loaded.model, loaded.model.item_embeddings(), hist)
    lightgcn = load_run(lightgcn_run, "exact")
    assert not factorises(lightgcn.model, lightgcn.model.item_embeddings(), hist)


def test_ann_retrieval_serves_what_exact_scoring_serves(sasrec_run: Path, loaded: LoadedRun) -> None:
    ann = load_run(sasrec_run, "ann")  # 40 items: every cell is scanned, so the ranking is exact
    assert ann.index is not None and loaded.index is None  # "auto" keeps small catalogues exact
    rng = np.random.default_rng(3)
    histories = [rng.choice(np.arange(1, 41), size=n, replace=False) for n in (1, 4, 15)]
    ann_items, ann_scores = ann.recommend(histories, k=8)
    items, scores = loaded.recommend(histories, k=8)
    np.testing.assert_array_equal(ann_items, items)
    np.testing.assert_allclose(ann_scores, scores, rtol=1e-4, atol=1e-5)


def test_ann_for_a_model_without_an_item_table_is_a_clear_error(pop_run: Path, lightgcn_run: Path) -> None:
    for run in (pop_run, lightgcn_run):
        with pytest.raises(GalrecError, match="retrieval 'ann' needs scores that are represent"):
            load_run(run, "ann")
