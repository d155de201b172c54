"""A GAL-Rec run (tiny random backbone, one short epoch) is served like a baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from galrec.cli import main
from galrec.serve.loading import load_run

from .conftest import MAX_LEN


@pytest.fixture(scope="module")
def galrec_run(tiny_dataset: Path, sasrec_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
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
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    status = main(["train", "--config", str(folder / "config.yaml"), "--out", str(folder / "run"), "--quiet"])
    assert status == 0
    return folder / "run"


def test_galrec_run_recommends(cli, galrec_run: Path) -> None:
    run = load_run(galrec_run)
    assert run.model_name == "galrec" and run.max_len == MAX_LEN
    status, out, _ = cli("recommend", str(galrec_run), "--history", "101,102,103", "--k", "5", "--json")
    assert status == 0
    rec = json.loads(out)
    assert rec["model"] == "galrec" and rec["source"] == "model" and len(rec["items"]) == 5
    assert not {"101", "102", "103"} & {it["item_id"] for it in rec["items"]}


def test_galrec_report_compares_with_its_external_run(cli, galrec_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    status, _, _ = cli("report", str(galrec_run), "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert status == 0 and "galrec (run)" in html
    assert "sasrec (sasrec" in html, "the SASRec run named in external.run_dir belongs beside it"
