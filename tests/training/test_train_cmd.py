"""`galrec train` / `galrec evaluate` end to end on a tiny log, and their one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from galrec.cli import main
from galrec.data.load import load_dataset
from galrec.eval.results import recompute_test_metrics


def test_train_writes_every_run_file_and_evaluate_rewrites(config_file: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    assert main(["train", "--config", str(config_file), "--out", str(run), "--quiet"]) == 0
    for name in (
        "config.yaml",
        "item_ids.json",
        "user_ids.json",
        "metrics.json",
        "ranks.tsv",
        "timing.json",
        "train_log.jsonl",
        "checkpoint.pt",
        "best.pt",
    ):
        assert (run / name).is_file(), name
    assert any((run / "tb").iterdir())
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["model"] == "galrec" and config["external"]["run_dir"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert (
        metrics["protocol"] == "full"
        and metrics["users_evaluated"] == 40
        and metrics["valid_users_evaluated"] == 12
    )
    assert recompute_test_metrics(run) == metrics["test"]
    steps = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
    train_steps = [r for r in steps if "loss" in r]
    assert len(train_steps) == 8 and {"l0", "l1", "l2", "l3", "lr", "samples_per_s"} <= set(train_steps[0])
    assert sum("valid_ndcg@10" in r for r in steps) == 2
    timing = json.loads((run / "timing.json").read_text())
    assert (
        timing["samples"] == 32
        and timing["tokens_per_user_prompt"] > 0
        and timing["tokens_per_item_prompt"] > 0
    )
    assert timing["peak_rss_mb"] > 0 and timing["samples_per_s"] > 0
    capsys.readouterr()

    assert main(["evaluate", str(run), "--split", "test", "--quiet"]) == 0
    again = json.loads((run / "metrics.json").read_text())
    assert again["test"] == metrics["test"]  # same weights, same seeded prompts
    assert again["valid"] == metrics["valid"]  # kept from the file
    assert main(["evaluate", str(run), "--protocol", "sampled-100", "--quiet"]) == 0
    assert json.loads((run / "metrics.json").read_text())["protocol"] == "sampled-100"


def test_unknown_config_key_is_a_one_line_error(config_file: Path, tmp_path: Path, capsys) -> None:
    code = main(["train", "--config", str(config_file), "--out", str(tmp_path / "r"), "loss.lambda1=0.3"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown config key loss.lambda1" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_evaluate_errors(tmp_path: Path, sasrec_run: Path, capsys) -> None:
    assert main(["evaluate", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["evaluate", str(sasrec_run)]) == 2  # a baseline run, not a GAL-Rec one
    assert "not a GAL-Rec one" in capsys.readouterr().err


def test_run_from_another_dataset_is_refused(
    dataset, sasrec_run, make_log, make_config, tmp_path, capsys
) -> None:
    other = make_log(tmp_path / "other", n_users=35, seed=4)
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text(yaml.safe_dump({"model": "galrec", **make_config(other, sasrec_run)}))
    data = load_dataset(str(dataset))
    data.items.save(run / "item_ids.json")
    data.users.save(run / "user_ids.json")
    assert main(["evaluate", str(run)]) == 2
    assert "trained on another dataset" in capsys.readouterr().err

    config = tmp_path / "other.yaml"  # embeddings of the tiny log for a model of the other one
    config.write_text(yaml.safe_dump(make_config(other, sasrec_run)))
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "r2"), "--quiet"]) == 2
    assert "does not match dataset" in capsys.readouterr().err
