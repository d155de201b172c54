"""One short run per baseline on a slice of Beauty: files, metrics, determinism, reload."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from safetensors.torch import load_file

from galrec.baselines.configs import resolve_config
from galrec.baselines.registry import REGISTRY
from galrec.baselines.run import load_baseline_run, run_baseline
from galrec.baselines.trainer import evaluate_split
from galrec.cli import main
from galrec.eval.results import read_ranks, recompute_test_metrics

SMALL = {
    "pop": [],
    "sasrec": ["sasrec.hidden=16", "sasrec.inner=32", "optim.batch_size=64"],
    "bsarec": ["bsarec.hidden=16", "bsarec.inner=32", "optim.batch_size=64"],
    "lightgcn": ["lightgcn.dim=16", "optim.batch_size=512"],
    "text": ["text.max_tokens=8"],  # the slice has no titles: every text is empty
}


def _config(model: str, dataset: Path):
    overrides = ["optim.max_epochs=2", "eval.batch_size=256", "threads=1", *SMALL[model]]
    return resolve_config(REGISTRY[model].config_cls, overrides=overrides, extra={"data": {"dataset": str(dataset)}})


@pytest.mark.parametrize("model", list(REGISTRY))
def test_baseline_run(model: str, beauty_slice: Path, tmp_path: Path) -> None:
    cfg = _config(model, beauty_slice)
    first = run_baseline(cfg, tmp_path / "a", progress=False)
    second = run_baseline(cfg, tmp_path / "b", progress=False)
    assert first["valid"] == second["valid"] and first["test"] == second["test"]  # same seed, same metrics

    run = tmp_path / "a"
    names = {"config.yaml", "model.safetensors", "item_ids.json", "user_ids.json", "metrics.json", "ranks.tsv",
             "timing.json"}
    trained = REGISTRY[model].batches is not None
    names |= {"embeddings.safetensors"} if model != "pop" else set()
    names |= {"train_log.jsonl"} if trained else set()
    assert names <= {p.name for p in run.iterdir()}
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["protocol"] == "full"
    assert metrics["test"] == recompute_test_metrics(run)
    assert yaml.safe_load((run / "config.yaml").read_text())["model"] == model

    loaded, loaded_cfg, loo = load_baseline_run(run)
    assert loaded_cfg == cfg
    again = evaluate_split(loaded, loo, loaded_cfg, "test")
    np.testing.assert_array_equal(again.ranks, read_ranks(run / "ranks.tsv"))

    if trained:
        log = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
        assert [r["epoch"] for r in log] == [1, 2]
    if model != "pop":
        emb = load_file(str(run / "embeddings.safetensors"))
        assert emb["item"].shape[0] == loo.data.n_items + 1
        assert emb["user"].shape[0] == loo.data.n_users + 1
        np.testing.assert_allclose(emb["item"].numpy(), loaded.item_embeddings().numpy(), rtol=1e-5, atol=1e-6)


def test_cli_baseline_pop(beauty_slice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["baseline", "pop", "--dataset", str(beauty_slice), "--out", str(tmp_path / "run"), "--quiet",
                 "eval.batch_size=300"])
    assert code == 0
    assert "| pop" in capsys.readouterr().out
    assert yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())["eval"]["batch_size"] == 300


def test_cli_rejects_unknown_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["baseline", "sasrec", "--out", str(tmp_path / "run"), "sasrec.hiden=32"])
    assert code == 2
    assert "sasrec.hiden" in capsys.readouterr().err


def test_load_rejects_other_dataset(beauty_slice: Path, tmp_path: Path) -> None:
    run_baseline(_config("pop", beauty_slice), tmp_path / "run", progress=False)
    (tmp_path / "run" / "item_ids.json").write_text(json.dumps({"kind": "item", "raw": ["1", "2"]}))
    with pytest.raises(Exception, match="item_ids.json does not match"):
        load_baseline_run(tmp_path / "run")
