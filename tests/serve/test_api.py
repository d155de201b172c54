"""The Python API: galrec.load on every kind of run folder, recommend/score, the errors, overrides."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import galrec
from galrec import runtime
from galrec.api import nested
from galrec.errors import GalrecError
from galrec.serve.recommend import recommend_history

from .conftest import FIRST_ITEM, N_ITEMS, N_USERS

KINDS = ["pop_run", "sasrec_run", "lightgcn_run", "galrec_run"]


@pytest.mark.parametrize("kind", KINDS)
def test_load_recommends_and_scores_every_kind_of_run(kind: str, request: pytest.FixtureRequest) -> None:
    run = request.getfixturevalue(kind)
    rec = galrec.load(run)
    assert rec.model_name == kind.removesuffix("_run")
    history = ["103", "105", "107"]
    top = rec.recommend(history, k=5)
    assert len(top) == 5 and not set(history) & {item for item, _, _ in top}
    assert [s for _, s, _ in top] == sorted((s for _, s, _ in top), reverse=True)
    assert all(isinstance(title, str) for _, _, title in top)
    scores = rec.score([history, ["140"]])
    assert scores.shape == (2, N_ITEMS + 1) and torch.isneginf(scores[:, 0]).all()
    assert sorted(rec.item_ids) == [str(i) for i in range(FIRST_ITEM, FIRST_ITEM + N_ITEMS)]


def test_recommend_is_the_cli_path_and_ranks_by_score(sasrec_run: Path) -> None:
    rec = galrec.load(sasrec_run)
    history = ["110", "112"]
    top = rec.recommend(history, k=4)
    same = recommend_history(rec.run, history, 4)
    assert top == [(i.item_id, i.score, i.title) for i in same.items]
    scores = rec.score([history])[0].clone()  # [n_items + 1]
    scores[[rec.item_ids.index(h) + 1 for h in history]] = float("-inf")
    best = rec.item_ids[int(scores.argmax()) - 1]
    assert top[0][0] == best and top[0][1] == pytest.approx(float(scores.max()), abs=1e-5)


def test_empty_history_gets_the_popularity_fallback(pop_run: Path) -> None:
    rec = galrec.load(pop_run)
    assert rec.recommendation([], k=3).source == "popularity-fallback"
    assert len(rec.recommend([], k=3)) == 3


def test_load_refuses_a_folder_that_is_not_a_finished_run(sasrec_run: Path, tiny_dataset: Path, tmp_path: Path):
    with pytest.raises(GalrecError, match="does not exist"):
        galrec.load(tmp_path / "nope")
    with pytest.raises(GalrecError, match=r"is not a run folder \(no config.yaml\)"):
        galrec.load(tiny_dataset)
    unfinished = tmp_path / "unfinished"
    shutil.copytree(sasrec_run, unfinished)
    (unfinished / "timing.json").unlink()
    with pytest.raises(GalrecError, match="is not a finished run .no timing.json"):
        galrec.load(unfinished)


def test_unknown_item_ids_are_one_error(sasrec_run: Path) -> None:
    with pytest.raises(GalrecError, match="unknown item id"):
        galrec.load(sasrec_run).recommend(["103", "nope"])


def test_overrides_nest_and_unknown_keys_are_refused(tiny_dataset: Path, tmp_path: Path) -> None:
    assert nested({"train__max_epochs": 2, "loss": {"l1": 0}, "seed": 3}) == {
        "train": {"max_epochs": 2}, "loss": {"l1": 0}, "seed": 3,
    }
    cfg = galrec.api.galrec_config({"data": {"dataset": "x"}}, ["seed=4"], train__max_epochs=2)
    assert (cfg.data.dataset, cfg.seed, cfg.train.max_epochs) == ("x", 4, 2)
    with pytest.raises(GalrecError, match="unknown config key train.epochs"):
        galrec.train({"data": {"dataset": str(tiny_dataset)}}, out=tmp_path / "r", train__epochs=3)
    with pytest.raises(GalrecError, match="unknown baseline 'word2vec'"):
        galrec.baseline("word2vec", dataset=tiny_dataset, out=tmp_path / "b")
    with pytest.raises(GalrecError, match="unknown config key optim.epochs"):
        galrec.baseline("sasrec", dataset=tiny_dataset, out=tmp_path / "b", optim={"epochs": 3})
    assert not (tmp_path / "r").exists() and not (tmp_path / "b").exists()


def test_load_dataset_reads_the_readers(tiny_dataset: Path) -> None:
    data = galrec.load_dataset(str(tiny_dataset))
    assert data.n_items == N_ITEMS and data.stats()["users"] == data.n_users
    assert data.n_users == N_USERS and data.sequences.lengths[0] == 0  # row 0: padding
    assert np.all(data.sequences.lengths[1:] >= 4)


def test_bfloat16_scores_stay_close_to_float32(
    sasrec_run: Path, galrec_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = ["103", "105", "107", "109"]
    exact = galrec.load(sasrec_run).score([history])
    monkeypatch.setattr(runtime, "bfloat16_is_fast", lambda device_type: False)  # emulated: float32 instead
    assert torch.equal(galrec.load(sasrec_run, precision="bfloat16").score([history]), exact)
    monkeypatch.setattr(runtime, "bfloat16_is_fast", lambda device_type: True)
    half = galrec.load(sasrec_run, precision="bfloat16").score([history])
    assert half.dtype == torch.float32
    finite = torch.isfinite(exact)
    assert not torch.equal(half[finite], exact[finite])  # the products did run in bfloat16
    torch.testing.assert_close(half[finite], exact[finite], rtol=0.05, atol=0.05 * float(exact[finite].abs().max()))
    top = galrec.load(galrec_run, precision="bfloat16").recommend(history, k=5)
    assert len(top) == 5 and not set(history) & {item for item, _, _ in top}


def test_load_refuses_unknown_options(sasrec_run: Path) -> None:
    with pytest.raises(GalrecError, match="precision must be one of float32, bfloat16, got 'fp8'"):
        galrec.load(sasrec_run, precision="fp8")
    with pytest.raises(GalrecError, match="retrieval must be one of auto, exact, ann, got 'hnsw'"):
        galrec.load(sasrec_run, retrieval="hnsw")
