"""External embeddings: the cached baseline run, its reuse, and the checks on a given run."""

from __future__ import annotations

import pytest
import torch

from galrec.baselines.configs import BSARecRunConfig, resolve_config
from galrec.baselines.run import run_baseline
from galrec.config import GalRecConfig
from galrec.typed_config import from_dict
from galrec.data.load import load_dataset
from galrec.errors import GalrecError
from galrec.model.external import ExternalEmbeddings, centred, load_external
from galrec.training import external_run

TINY_SASREC = ["optim.max_epochs=1", "sasrec.hidden=8", "sasrec.inner=16"]


def test_cached_run_is_trained_once_and_keyed_by_its_config(dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(external_run, "cache_dir", lambda: tmp_path)
    trained = []
    real = external_run.run_baseline
    monkeypatch.setattr(external_run, "run_baseline", lambda *a, **k: trained.append(1) or real(*a, **k))
    cfg = from_dict(
        GalRecConfig, {"data": {"dataset": str(dataset)}, "external": {"baseline_overrides": TINY_SASREC}}
    )
    first = external_run.external_run_dir(cfg, progress=False)
    again = external_run.external_run_dir(cfg, progress=False)
    assert first == again and len(trained) == 1 and (first / "embeddings.safetensors").is_file()
    assert first.parent == tmp_path / "external" and first.name.startswith("tiny-sasrec-")
    other = from_dict(
        GalRecConfig,
        {
            "data": {"dataset": str(dataset)},
            "external": {"baseline_overrides": [*TINY_SASREC, "sasrec.layers=1"]},
        },
    )
    assert external_run.cached_run_dir(other, "sasrec", other.external.baseline_overrides)[0] != first
    assert not list(tmp_path.glob("external/*.tmp-*"))  # the temporary folder was renamed


def test_the_fusion_partner_is_the_external_run_or_a_cached_baseline_of_its_own(
    dataset, sasrec_run, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(external_run, "cache_dir", lambda: tmp_path)
    external = {"run_dir": str(sasrec_run), "source": "sasrec", "fusion": True}
    cfg = from_dict(GalRecConfig, {"data": {"dataset": str(dataset)}, "external": external})
    assert external_run.fusion_run_dir(cfg, progress=False) == sasrec_run  # fusion_source: external
    partner = {**external, "fusion_source": "lightgcn", "fusion_overrides": ["optim.max_epochs=1", "lightgcn.dim=4"]}
    cfg = from_dict(GalRecConfig, {"data": {"dataset": str(dataset)}, "external": partner})
    run = external_run.fusion_run_dir(cfg, progress=False)
    assert run.parent == tmp_path / "external" and run.name.startswith("tiny-lightgcn-")
    assert (run / "embeddings.safetensors").is_file() and external_run.fusion_run_dir(cfg, progress=False) == run


def test_given_run_is_checked(dataset, sasrec_run, tmp_path) -> None:
    data = load_dataset(str(dataset))
    ext = load_external(sasrec_run, data, "sasrec")
    assert ext.item_table.shape[0] == data.n_items + 1 and ext.user_table.shape[0] == data.n_users + 1
    assert ext.encoder is not None and not ext.encoder.training
    ext.train()
    assert not ext.encoder.training  # the frozen encoder never applies dropout
    with pytest.raises(GalrecError, match="is a 'sasrec' run"):
        load_external(sasrec_run, data, "lightgcn")
    with pytest.raises(GalrecError, match="external.center"):
        load_external(sasrec_run, data, "sasrec", center=True)
    with pytest.raises(GalrecError, match="no embeddings.safetensors"):
        load_external(tmp_path, data, "sasrec")
    cfg = from_dict(GalRecConfig, {"external": {"run_dir": str(tmp_path / "nope")}})
    with pytest.raises(GalrecError, match="does not exist"):
        external_run.external_run_dir(cfg)


def test_history_mean_without_an_encoder() -> None:
    items = torch.arange(8.0).view(4, 2)  # item i -> [2i, 2i + 1]
    ext = ExternalEmbeddings(items, torch.zeros(3, 2))
    got = ext.encode_history(torch.tensor([[0, 1, 3], [0, 0, 2]]))
    assert got.tolist() == [[4.0, 5.0], [4.0, 5.0]]


def test_a_bsarec_run_supplies_its_encoder_like_sasrec(dataset, tmp_path) -> None:
    overrides = [f"data.dataset={dataset}", "optim.max_epochs=1", "bsarec.hidden=8", "bsarec.inner=16"]
    run_baseline(resolve_config(BSARecRunConfig, None, overrides), tmp_path / "bsarec", progress=False)
    data = load_dataset(str(dataset))
    ext = load_external(tmp_path / "bsarec", data, "bsarec")
    histories = torch.tensor([[0, 0, 3, 5], [1, 2, 3, 4]])
    scores = ext.score_history(histories)  # BSARec's own logits
    assert scores.shape == (2, data.n_items + 1) and torch.isfinite(scores).all()
    with pytest.raises(GalrecError, match="is a 'bsarec' run"):
        load_external(tmp_path / "bsarec", data, "sasrec")


def test_centred_tables_lose_their_mean_row_and_keep_padding_zero() -> None:
    table = torch.tensor([[0.0, 0.0], [1.0, 5.0], [3.0, 7.0]])
    assert centred(table).tolist() == [[0.0, 0.0], [-1.0, -1.0], [1.0, 1.0]]
    with pytest.raises(GalrecError, match="external.center"):
        from_dict(GalRecConfig, {"external": {"source": "sasrec", "center": True}})
