"""A tiny catalogue of product families (text twins by construction), a tiny SASRec run, a tiny config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from galrec.baselines.configs import SASRecRunConfig, resolve_config
from galrec.baselines.run import run_baseline

BRANDS = ["Aurora", "Borealis", "Cassia", "Dahlia", "Elowen", "Fenwick", "Galena", "Hollis"]
PRODUCTS = [
    ("Velvet Matte Liquid Lipstick Long Wear", "Beauty > Makeup > Lips"),
    ("Hydrating Overnight Face Cream with Ceramides", "Beauty > Skin Care > Face"),
    ("Repairing Argan Oil Shampoo for Dry Hair", "Beauty > Hair Care > Shampoo"),
]
VARIANTS = ["Shade 01", "Shade 02", "Shade 03"]
N_USERS = 40


def write_catalogue(folder: Path, seed: int = 5) -> Path:
    """24 families x 3 variants: 72 items whose titles differ only in the variant, 40 users."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    rows = ["item_id\ttitle\tcategories\tsource_id"]
    item = 0
    for brand in BRANDS:
        for product, category in PRODUCTS:
            for variant in VARIANTS:
                item += 1
                rows.append(f"{item}\t{brand} {product}, {variant}\t{category}\tX{item:04d}")
    (folder / "items.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cover = np.array_split(rng.permutation(np.arange(1, item + 1)), N_USERS)  # every item used
    lines = []
    for u in range(1, N_USERS + 1):
        extra = rng.integers(1, item + 1, size=rng.integers(3, 9))
        lines.append(" ".join(map(str, [u, *cover[u - 1], *extra])))
    (folder / "interactions.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder



@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_catalogue(tmp_path_factory.mktemp("data") / "families")


@pytest.fixture(scope="session")
def sasrec_run(catalogue: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("sasrec")
    overrides = [f"data.dataset={catalogue}", "data.max_len=8", "optim.max_epochs=1", "sasrec.hidden=8",
                 "sasrec.inner=16"]
    run_baseline(resolve_config(SASRecRunConfig, None, overrides), run, progress=False)
    return run


def tiny_config(dataset: Path, external: Path) -> dict:
    return {
        "data": {"dataset": str(dataset), "max_len": 8},
        "eval": {"batch_size": 16},
        "backbone": {"name": "tiny-random"},
        "prompt": {"history_items": 4, "n_hop2_users": 2, "n_hop1_users": 2, "n_hop2_items": 2},
        "loss": {"proj_dim": 8, "bank_neighbours": 3},
        "queue": {"size": 16},
        "external": {"mapping_hidden": 8, "run_dir": str(external)},
        "train": {"batch_size": 4, "samples_per_epoch": 8, "max_epochs": 1, "valid_users": 12, "warmup_steps": 1},
    }


@pytest.fixture(scope="session")
def config_file(catalogue: Path, sasrec_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_config(catalogue, sasrec_run)))
    return path
