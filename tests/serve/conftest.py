"""A tiny dataset and real runs on it (1-epoch SASRec and LightGCN, pop, a tiny GAL-Rec), built once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import galrec

from galrec.cli import main
from galrec.serve.loading import LoadedRun, load_run

N_USERS, N_ITEMS = 60, 40
FIRST_ITEM = 101  # dataset ids 101..140, so that an internal index is never mistaken for an id
MAX_LEN = 6  # shorter than many histories: scoring truncates, exclusion must not


def write_dataset(folder: Path) -> Path:
    """S3-Rec files: users walk forward through the catalogue (a pattern SASRec can pick up)."""
    rng = np.random.default_rng(5)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for u in range(1, N_USERS + 1):
        start = int(rng.integers(0, N_ITEMS))
        length = int(rng.integers(4, 12))
        items = [FIRST_ITEM + (start + 2 * j) % N_ITEMS for j in range(length)]
        lines.append(" ".join(map(str, [u, *items])))
    (folder / "interactions.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = ["item_id\ttitle\tcategories\tsource_id"]
    for i in range(FIRST_ITEM, FIRST_ITEM + N_ITEMS):
        title = "" if i == FIRST_ITEM + 7 else f'Product {i} <b>&amp; "quoted"'
        rows.append(f"{i}\t{title}\tTiny > Things\t")
    (folder / "items.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("data") / "tiny")


def _train(model: str, dataset: Path, out: Path, *overrides: str) -> Path:
    status = main(["baseline", model, "--dataset", str(dataset), "--out", str(out), "--quiet", *overrides])
    assert status == 0, f"training {model} on {dataset} failed with status {status}"
    return out


@pytest.fixture(scope="session")
def sasrec_run(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "sasrec"
    return _train(
        "sasrec",
        tiny_dataset,
        out,
        "optim.max_epochs=1",
        f"data.max_len={MAX_LEN}",
        "sasrec.hidden=16",
        "sasrec.inner=32",
    )


@pytest.fixture(scope="session")
def pop_run(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train("pop", tiny_dataset, tmp_path_factory.mktemp("runs") / "pop")


@pytest.fixture(scope="session")
def galrec_run(tiny_dataset: Path, sasrec_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GAL-Rec run (tiny random backbone, one short epoch) on the tiny dataset."""
    folder = tmp_path_factory.mktemp("galrec")
    cfg = {
        "data": {"dataset": str(tiny_dataset), "max_len": MAX_LEN},
        "eval": {"batch_size": 16},
        "backbone": {"name": "tiny-random"},
        "prompt": {"history_items": 4, "n_hop2_users": 2, "n_hop1_users": 2, "n_hop2_items": 2},
        "loss": {"proj_dim": 8},
        "queue": {"size": 16},
        "external": {"mapping_hidden": 8, "run_dir": str(sasrec_run)},
        "train": {
            "batch_size": 4,
            "samples_per_epoch": 8,
            "max_epochs": 1,
            "valid_users": 8,
            "warmup_steps": 1,
        },
    }
    galrec.train(cfg, out=folder / "run")  # the Python API; `galrec train` is tested in tests/training
    return folder / "run"


@pytest.fixture(scope="session")
def lightgcn_run(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "lightgcn"
    return _train("lightgcn", tiny_dataset, out, "optim.max_epochs=1", "lightgcn.dim=8")


@pytest.fixture(scope="session")
def loaded(sasrec_run: Path) -> LoadedRun:
    return load_run(sasrec_run)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``galrec ARGS`` in-process; return (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run
