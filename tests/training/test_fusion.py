"""The leak-free fusion: a sequence-mode run end to end, and a weight that cannot lose on validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml

from galrec.baselines.configs import LightGCNRunConfig, TextRunConfig, resolve_config
from galrec.baselines.run import load_baseline_run, run_baseline
from galrec.cli import main
from galrec.config import GalRecConfig
from galrec.typed_config import from_dict
from galrec.eval.evaluate import evaluate
from galrec.eval.results import recompute_test_metrics
from galrec.training.fusion import FUSION_WEIGHTS, ScoreMemo, choose_weight, fused

from .conftest import tiny_config


def test_fused_scores_and_the_chosen_weight() -> None:
    lm = lambda users, h: torch.tensor([[0.0, 1.0, 3.0]])  # noqa: E731
    ext = lambda users, h: torch.tensor([[0.0, 3.0, 1.0]])  # noqa: E731
    torch.testing.assert_close(fused(lm, ext, 0.25)(None, None), torch.tensor([[0.0, 1.5, 2.5]]))
    assert fused(lm, ext, 0.0) is lm and fused(lm, ext, 1.0) is ext
    assert choose_weight({0.0: 0.1, 0.5: 0.3, 1.0: 0.3}) == 0.5
    assert FUSION_WEIGHTS[0] == 0.0 and FUSION_WEIGHTS[-1] == 1.0  # both models alone are candidates


def test_memo_scores_each_batch_once() -> None:
    calls = []
    memo = ScoreMemo(lambda users, h: calls.append(1) or torch.tensor([[1.0, 2.0]]))
    users, h = torch.tensor([3]), torch.tensor([[0, 5]])
    first, again = memo(users, h), memo(users, h)
    assert len(calls) == 1 and torch.equal(first, again)
    torch.testing.assert_close(first.exp().sum(), torch.tensor(1.0))  # stored as log-softmax


def _train(cfg: dict, tmp_path: Path) -> tuple[Path, Path]:
    """``galrec train`` on ``cfg`` written as YAML; returns (config path, run folder)."""
    path, run = tmp_path / "seq.yaml", tmp_path / "run"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["train", "--config", str(path), "--out", str(run), "--quiet"]) == 0
    return path, run


def test_sequence_run_writes_a_fusion_no_worse_than_either_model_on_validation(
    dataset: Path, sasrec_run: Path, tmp_path: Path, capsys
) -> None:
    cfg = tiny_config(dataset, sasrec_run, mode="sequence", samples_per_epoch=0, valid_users=0)
    cfg["external"]["fusion"] = True
    cfg["prompt"]["sequence_neighbours"] = "sum"
    path, run = _train(cfg, tmp_path)
    fusion = json.loads((run / "fused" / "fusion.json").read_text())
    curve = fusion["valid_ndcg@10_by_weight"]
    assert set(curve) == {str(w) for w in FUSION_WEIGHTS}
    chosen = curve[str(fusion["partner_weight"])]
    assert chosen >= curve["0.0"] and chosen >= curve["1.0"]  # LM alone, SASRec alone
    fused_metrics = json.loads((run / "fused" / "metrics.json").read_text())
    assert fused_metrics["valid"]["ndcg@10"] == chosen
    assert recompute_test_metrics(run / "fused") == fused_metrics["test"]
    timing = json.loads((run / "timing.json").read_text())
    assert timing["mode"] == "sequence" and timing["targets"] > timing["samples"]
    capsys.readouterr()
    assert main(["run", "--config", str(path), "--out", str(run), "--quiet"]) == 0  # reuses the run
    printed = capsys.readouterr().out
    assert "GAL-Rec + SASRec, weight fitted on validation" in printed
    assert printed.count("minus SASRec, NDCG@10 paired by user") == 2


def test_the_fusion_weight_can_be_fitted_on_every_validation_user(dataset: Path, sasrec_run: Path, tmp_path: Path) -> None:
    cfg = tiny_config(dataset, sasrec_run, mode="sequence", samples_per_epoch=0, valid_users=3)
    cfg["external"].update(fusion=True, fusion_users="all")
    _, run = _train(cfg, tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    fusion = json.loads((run / "fused" / "fusion.json").read_text())
    assert metrics["valid_users_evaluated"] == 3  # the per-epoch passes used the subset
    assert fusion["valid_users"] == metrics["users_evaluated"] > 3  # the weight saw every user


READ_BY_THE_LM = {  # a tiny run of each table the language model may read beside SASRec's
    "lightgcn": (LightGCNRunConfig, ["optim.max_epochs=1", "lightgcn.dim=8"]),
    "text": (TextRunConfig, ["text.max_tokens=8"]),  # the tiny log has no titles: every text is empty
}


@pytest.mark.parametrize("source", list(READ_BY_THE_LM))
def test_a_language_model_reading_another_table_is_fused_with_sasrec(
    source: str, dataset: Path, sasrec_run: Path, tmp_path: Path, capsys
) -> None:
    table = tmp_path / source
    config_cls, overrides = READ_BY_THE_LM[source]
    run_baseline(resolve_config(config_cls, None, [f"data.dataset={dataset}", *overrides]), table, progress=False)
    cfg = tiny_config(dataset, table, mode="sequence", samples_per_epoch=0, valid_users=0)
    cfg["external"].update(source=source, fusion=True, fusion_source="sasrec", fusion_run_dir=str(sasrec_run))
    path, run = _train(cfg, tmp_path)
    fusion = json.loads((run / "fused" / "fusion.json").read_text())
    assert fusion["partner_run"] == str(sasrec_run.resolve())
    curve = fusion["valid_ndcg@10_by_weight"]
    assert curve[str(fusion["partner_weight"])] >= max(curve["0.0"], curve["1.0"])
    # the partner's scores are SASRec's own: the weight-1 row ranks as the SASRec run does
    sasrec, _, loo = load_baseline_run(sasrec_run)
    model_cfg = tiny_config(dataset, table)
    partner_alone = evaluate(sasrec.score, loo, "valid", from_dict(GalRecConfig, model_cfg).eval,
                             model_cfg["data"]["max_len"], True, 0)
    assert curve["1.0"] == pytest.approx(partner_alone.metrics["ndcg@10"])
    capsys.readouterr()
    assert main(["run", "--config", str(path), "--out", str(run), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "SASRec (fused in" in printed and "GAL-Rec + SASRec, weight fitted on validation" in printed
    assert printed.count("minus SASRec, NDCG@10 paired by user") == 3  # the table's run, the LM, the fusion


def test_a_partner_run_of_another_model_is_refused_before_training(
    dataset: Path, sasrec_run: Path, tmp_path: Path, capsys
) -> None:
    cfg = tiny_config(dataset, sasrec_run, mode="sequence", samples_per_epoch=0, valid_users=0)
    cfg["external"].update(fusion=True, fusion_source="lightgcn", fusion_run_dir=str(sasrec_run))
    path, run = tmp_path / "seq.yaml", tmp_path / "run"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["train", "--config", str(path), "--out", str(run), "--quiet"]) != 0
    assert "is a 'sasrec' run, not external.fusion_source 'lightgcn'" in capsys.readouterr().err
    assert not run.exists()
