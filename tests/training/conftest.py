"""A tiny dataset on disk, a tiny SASRec run for external embeddings, and a tiny GAL-Rec config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from galrec.baselines.configs import SASRecRunConfig, resolve_config
from galrec.baselines.run import run_baseline


def write_log(folder: Path, n_users: int = 40, n_items: int = 110, seed: int = 3) -> Path:
    """``interactions.txt`` in the S3-Rec format: users 1..n, 4 to 10 items each, every item used
    (more than 100 items, so the sampled-100 protocol has enough negatives)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    cover = np.array_split(rng.permutation(np.arange(1, n_items + 1)), n_users)  # every item once
    lines = [
        " ".join(map(str, [u, *cover[u - 1], *rng.integers(1, n_items + 1, size=rng.integers(1, 8))]))
        for u in range(1, n_users + 1)
    ]
    (folder / "interactions.txt").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_log(tmp_path_factory.mktemp("data") / "tiny")


@pytest.fixture(scope="session")
def sasrec_run(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("sasrec")
    overrides = [f"data.dataset={dataset}", "optim.max_epochs=1", "sasrec.hidden=8", "sasrec.inner=16"]
    run_baseline(resolve_config(SASRecRunConfig, None, overrides), run, progress=False)
    return run


def tiny_config(dataset: Path, external: Path | str, **train: object) -> dict:
    return {
        "data": {"dataset": str(dataset), "max_len": 8},
        "eval": {"batch_size": 16},
        "backbone": {"name": "tiny-random"},
        "prompt": {"history_items": 4, "n_hop2_users": 2, "n_hop1_users": 2, "n_hop2_items": 2},
        "loss": {"proj_dim": 8, "bank_neighbours": 3, "l1": 0.5, "l2": 0.5, "l3": 0.5},
        "queue": {"size": 16},
        "external": {"mapping_hidden": 8, "run_dir": str(external)},
        "train": {
            "batch_size": 4,
            "samples_per_epoch": 16,
            "max_epochs": 2,
            "checkpoint_every": 2,
            "valid_users": 12,
            "warmup_steps": 2,
            **train,
        },
    }


@pytest.fixture
def make_log():
    return write_log


@pytest.fixture
def make_config():
    return tiny_config


@pytest.fixture
def config_file(tmp_path: Path, dataset: Path, sasrec_run: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_config(dataset, sasrec_run)))
    return path
