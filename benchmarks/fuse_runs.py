"""Fuse two finished runs with one weight fitted on validation users: does B add what A lacks?

    python benchmarks/fuse_runs.py RUN_A RUN_B --out DIR

    s = (1 - w) · log_softmax(s_A) + w · log_softmax(s_B),   w on galrec.training.fusion's grid

Either run may be a baseline or a GAL-Rec run (scored on each split's own graph, so the
validation pass sees no validation edges). The weight is chosen by validation NDCG@10 over every
validation user (ties go to less B), the test split only reports. ``DIR`` becomes a run folder (metrics.json, ranks.tsv, fusion.json) that
``galrec.eval.paired`` compares like any other; the fused-minus-A difference, paired by test user,
is printed. Any two models fused gain something from averaging alone, so the control for "B
carries a signal A lacks" is A fused with a second seed of A's own model.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch.nn.functional as F

from galrec.baselines.run import load_baseline_run
from galrec.data.split import LeaveOneOut
from galrec.eval.evaluate import evaluate, evaluated_users
from galrec.eval.paired import paired_difference
from galrec.eval.ranking import ScoreFn
from galrec.eval.results import atomic_write_text, write_results
from galrec.serve.loading import GALREC
from galrec.serve.runfolder import read_finished_run_config
from galrec.training.evaluation import make_score_fn
from galrec.training.fusion import ScoreMemo, fit_weight, fused
from galrec.training.run import load_run


def split_scorers(run: Path) -> tuple[Callable[[str], ScoreFn], Any, LeaveOneOut]:
    """``(split -> score function, config, split data)`` of a finished baseline or GAL-Rec run."""
    if read_finished_run_config(run)["model"] == GALREC:
        parts = load_run(run)
        return (lambda split: make_score_fn(parts, parts.model, split)), parts.cfg, parts.loo
    model, cfg, loo = load_baseline_run(run)
    return (lambda split: model.score), cfg, loo


def log_softmax_of(score: ScoreFn) -> ScoreFn:
    return lambda users, histories: F.log_softmax(score(users, histories).float(), dim=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_a", type=Path, help="the reference run (weight 1 - w)")
    parser.add_argument("run_b", type=Path, help="the run fused in (weight w)")
    parser.add_argument("--out", type=Path, required=True, help="the fused run folder to write")
    args = parser.parse_args(argv)

    scorers_a, cfg, loo = split_scorers(args.run_a)
    scorers_b, cfg_b, _ = split_scorers(args.run_b)
    if (cfg.data.dataset, cfg.data.mask_repeats) != (cfg_b.data.dataset, cfg_b.data.mask_repeats):
        sys.exit(f"{args.run_a} and {args.run_b} differ in dataset or masking rule: nothing to fuse")

    def run_split(split, score):
        users = evaluated_users(loo, cfg.eval, split, cfg.seed)
        return evaluate(score, loo, split, cfg.eval, cfg.data.max_len, cfg.data.mask_repeats, cfg.seed, users=users,
                        progress=True)

    memos = [ScoreMemo(scorers("valid")) for scorers in (scorers_a, scorers_b)]  # valid scores, once per user
    weight, curve, valid = fit_weight(lambda score: run_split("valid", score), *memos)
    test = run_split("test", fused(*(log_softmax_of(scorers("test")) for scorers in (scorers_a, scorers_b)), weight))

    args.out.mkdir(parents=True, exist_ok=True)
    write_results(args.out, valid, test, loo, cfg.data.mask_repeats)
    diff = paired_difference(args.out, args.run_a)
    payload = {
        "run_a": str(args.run_a),
        "run_b": str(args.run_b),
        "weight_b": weight,
        "valid_ndcg@10_by_weight": {str(w): v for w, v in curve.items()},
        "valid_users": int(len(valid.users)),
        "test": {k: test.metrics[k] for k in ("ndcg@10", "hr@10")},
        "fused_minus_a_ndcg@10": {"mean": diff.mean, "half_width_95": diff.half_width, "users": diff.n_users},
    }
    atomic_write_text(args.out / "fusion.json", json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
