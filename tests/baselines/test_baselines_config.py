"""Baseline configs: defaults per model, merged overrides, unknown keys rejected, shipped YAMLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from galrec.baselines.configs import LightGCNRunConfig, SASRecRunConfig, resolve_config
from galrec.baselines.registry import REGISTRY
from galrec.errors import GalrecError

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_partial_optim_override_keeps_the_model_defaults() -> None:
    cfg = resolve_config(LightGCNRunConfig, overrides=["optim.lr=0.01"])
    assert cfg.optim.lr == 0.01
    assert cfg.optim.batch_size == LightGCNRunConfig().optim.batch_size


def test_unknown_and_bad_keys_are_named() -> None:
    with pytest.raises(GalrecError, match="sasrec.hiden"):
        resolve_config(SASRecRunConfig, overrides=["sasrec.hiden=32"])
    with pytest.raises(GalrecError, match="sasrec.loss"):
        resolve_config(SASRecRunConfig, overrides=["sasrec.loss=bpr"])
    with pytest.raises(GalrecError, match="sasrec.hidden"):
        resolve_config(SASRecRunConfig, overrides=["sasrec.hidden=30", "sasrec.heads=4"])
    with pytest.raises(GalrecError, match="model"):
        resolve_config(SASRecRunConfig, overrides=["model=lightgcn"])


@pytest.mark.parametrize("model", ["sasrec", "bsarec", "lightgcn"])
def test_shipped_yaml_spells_out_the_defaults(model: str) -> None:
    cls = REGISTRY[model].config_cls
    assert resolve_config(cls, CONFIGS / f"{model}.yaml") == cls()


def test_the_tuned_file_of_the_named_dataset_is_merged_under_explicit_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from galrec.baselines import configs

    (tmp_path / "sasrec-shop.yaml").write_text("optim:\n  lr: 0.004\n  max_epochs: 7\nsasrec:\n  dropout: 0.3\n")
    monkeypatch.setattr(configs, "tuned_config_dir", lambda: tmp_path)
    tuned = resolve_config(SASRecRunConfig, overrides=["optim.max_epochs=9"], extra={"data": {"dataset": "/x/shop"}})
    assert (tuned.optim.lr, tuned.optim.max_epochs, tuned.sasrec.dropout) == (0.004, 9, 0.3)
    other = resolve_config(SASRecRunConfig, extra={"data": {"dataset": "elsewhere"}})
    assert other == resolve_config(SASRecRunConfig, overrides=["data.dataset=elsewhere"])
    assert other.optim.lr == SASRecRunConfig().optim.lr


@pytest.mark.parametrize("path", sorted((CONFIGS / "baselines").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_tuned_files_resolve(path: Path) -> None:
    model, dataset = path.stem.split("-", 1)
    cfg = resolve_config(REGISTRY[model].config_cls, extra={"data": {"dataset": dataset}})
    assert cfg.model == model and cfg.data.dataset == dataset
