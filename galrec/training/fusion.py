"""Leak-free fusion with a baseline: one weight, fitted on validation users after training
(``external.fusion``).

    s_fused = (1 - w) · log_softmax(s_LM) + w · log_softmax(s_partner)        w ∈ FUSION_WEIGHTS

The partner is the external run the language model reads (``external.fusion_source: external``)
or another baseline run (``external.fusion_source: sasrec`` beside ``external.source: lightgcn``:
the language model learns from LightGCN's table and is fused with SASRec).

The prefix mode's ``external.residual`` adds SASRec's scores *during* training, on training
prefixes whose targets SASRec itself trained on: there SASRec is far more confident than on unseen
items, and the language model learns its correction against the wrong opponent (a stacking leak).
Here nothing of SASRec enters training; the weight is chosen on the validation split, which
neither model trained on, and the test split only reports. Because ``w = 1`` is SASRec alone and
``w = 0`` the language model alone, the chosen fusion's validation NDCG@10 is at least either
model's by construction (``tests/training/test_fusion.py``).

The fused run is written as a run folder of its own, ``RUN/fused/`` (metrics.json, ranks.tsv,
fusion.json), so paired comparisons treat it like any other row.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from galrec.baselines.run import load_baseline_run
from galrec.config import GalRecConfig
from galrec.eval.evaluate import SplitResult
from galrec.eval.ranking import ScoreFn
from galrec.eval.results import atomic_write_text, write_results
from galrec.model.galrec import GalRec
from galrec.training.build import Parts
from galrec.training.evaluation import evaluate_split, external_score_fn, make_score_fn
from galrec.training.rundir import FUSED

FUSION_WEIGHTS = tuple(round(w, 2) for w in np.linspace(0.0, 1.0, 11))  # weight of the partner


class ScoreMemo:
    """A score function that computes each batch once and returns the stored log-softmax after.

    Ranking passes over the same users call it with the same batches, so the grid of weights and
    the two test rows (language model alone, fused) cost one forward pass per user.
    """

    def __init__(self, score: ScoreFn) -> None:
        self.score, self.store = score, {}

    def __call__(self, users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        key = (users.cpu().numpy().tobytes(), histories.cpu().numpy().tobytes())
        if key not in self.store:
            self.store[key] = F.log_softmax(self.score(users, histories).float(), dim=1)  # [B, n_items + 1]
        return self.store[key]


def fused(lm: ScoreFn, partner: ScoreFn, weight: float) -> ScoreFn:
    """``(1 - weight) · lm + weight · partner`` (both log-softmax scores)."""
    if weight == 0.0:
        return lm
    if weight == 1.0:
        return partner

    def score(users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        return (1.0 - weight) * lm(users, histories) + weight * partner(users, histories)

    return score


def choose_weight(valid_ndcg: dict[float, float]) -> float:
    """The weight with the best validation NDCG@10; ties go to the smaller weight (less of the partner)."""
    best = max(valid_ndcg.values())
    return min(w for w, v in valid_ndcg.items() if v == best)


def fit_weight(evaluate_valid, lm: ScoreFn, partner: ScoreFn) -> tuple[float, dict[float, float], SplitResult]:
    """Evaluate every weight on validation (``evaluate_valid(score_fn) -> SplitResult``).

    Returns the chosen weight, NDCG@10 per weight, and the chosen weight's validation result.
    """
    results = {w: evaluate_valid(fused(lm, partner, w)) for w in FUSION_WEIGHTS}
    curve = {w: r.metrics["ndcg@10"] for w, r in results.items()}
    weight = choose_weight(curve)
    return weight, curve, results[weight]


def fusion_partner_run(cfg: GalRecConfig) -> str:
    """The run folder fused in (resolved when training starts)."""
    return cfg.external.fusion_run_dir if cfg.external.fused_in else cfg.external.run_dir


def partner_score_fn(parts: Parts, model: GalRec, device: torch.device | str) -> ScoreFn:
    """The scores of the run fused in: the external model's own, or a second baseline run's."""
    ext = parts.cfg.external
    return load_baseline_run(ext.fusion_run_dir, str(device))[0].score if ext.fused_in else external_score_fn(model)


def write_fusion(
    run: Path,
    parts: Parts,
    model: GalRec,
    test_lm: ScoreFn,
    valid_users: np.ndarray | None,
    device: torch.device | str,
    progress: bool = False,
    folder: str = FUSED,
) -> dict:
    """Fit the weight on ``valid_users`` (None: every one), rank the test split fused, write ``run/folder/``.

    ``test_lm`` is the language model's test scores as log-softmax (a ``ScoreMemo`` that the
    language-model-alone test pass filled). Returns fusion.json's payload.
    """
    partner = partner_score_fn(parts, model, device)
    lm_valid, partner_valid = ScoreMemo(make_score_fn(parts, model, "valid")), ScoreMemo(partner)
    weight, curve, valid = fit_weight(
        lambda score: evaluate_split(parts, model, "valid", device, users=valid_users, score=score),
        lm_valid,
        partner_valid,
    )
    partner_test = lambda users, histories: F.log_softmax(partner(users, histories).float(), dim=1)  # noqa: E731
    test = evaluate_split(parts, model, "test", device, progress=progress, score=fused(test_lm, partner_test, weight))
    out = run / folder
    out.mkdir(parents=True, exist_ok=True)
    write_results(out, valid, test, parts.loo, parts.cfg.data.mask_repeats)
    payload = {
        "partner_weight": weight,
        "valid_ndcg@10_by_weight": {str(w): v for w, v in curve.items()},
        "valid_users": int(len(valid.users)),
        "partner_run": fusion_partner_run(parts.cfg),
        "test": {k: test.metrics[k] for k in ("ndcg@10", "hr@10")},
    }
    atomic_write_text(out / "fusion.json", json.dumps(payload, indent=2) + "\n")
    return payload
