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


@pytest.mark.parametrize("model", ["sasrec", "lightgcn"])
def test_shipped_yaml_spells_out_the_defaults(model: str) -> None:
    cls = REGISTRY[model].config_cls
    assert resolve_config(cls, CONFIGS / f"{model}.yaml") == cls()
