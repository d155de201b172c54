"""Every shipped GAL-Rec config parses, and the CPU ones stay CPU-sized."""

from __future__ import annotations

from pathlib import Path

import pytest

from galrec.config import GalRecConfig
from galrec.typed_config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("dataset", ["beauty", "toys", "yelp"])
def test_configs_parse(dataset: str) -> None:
    gpu = load_config(GalRecConfig, CONFIGS / f"{dataset}.yaml")
    cpu = load_config(GalRecConfig, CONFIGS / f"{dataset}-cpu.yaml")
    assert gpu.data.dataset == cpu.data.dataset == dataset
    assert gpu.backbone.keep_layers == 0 and gpu.train.samples_per_epoch == 0
    assert 0 < cpu.backbone.keep_layers <= 4 and cpu.train.max_epochs <= 3
    # sequence mode, free of the residual's stacking leak, fused after training instead
    assert cpu.train.mode == "sequence" and not cpu.external.residual and cpu.external.fusion
