"""How far a fusion weight fitted on a subset of validation users strays, and what that costs on test.

    python benchmarks/fusion_weight_spread.py RUN_A RUN_B [--subset 2000] [--draws 2000] [--out FILE]

Ranks both splits once per weight of galrec's fusion grid, ``(1 - w) · log_softmax(A) + w ·
log_softmax(B)`` (``benchmarks/fuse_runs.py``'s rule; B is usually the language model, A SASRec),
then draws ``--draws`` random subsets of ``--subset`` validation users and fits the weight on
each as ``external.fusion_users: epoch_users`` would (``train.valid_users`` of them). It prints
NDCG@10 per weight on both splits, how often each weight is picked, the test NDCG@10 to expect
from a subset's pick, and that of the weight fitted on every validation user. The test split
only reports: nothing here picks a setting by it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from fuse_runs import split_scorers
from galrec.eval.evaluate import evaluate, evaluated_users
from galrec.eval.metrics import per_user
from galrec.eval.results import atomic_write_text
from galrec.training.fusion import FUSION_WEIGHTS, ScoreMemo, choose_weight, fused


def ndcg_by_weight(run_a: tuple, run_b: tuple, split: str) -> np.ndarray:
    """Per-user NDCG@10 of every grid weight on ``split`` (every evaluated user). [W, U]

    ``run_a`` / ``run_b``: ``fuse_runs.split_scorers`` of the two runs, loaded once for both splits.
    """
    (scorers_a, cfg, loo), (scorers_b, _, _) = run_a, run_b
    users = evaluated_users(loo, cfg.eval, split, cfg.seed)
    memo_a, memo_b = ScoreMemo(scorers_a(split)), ScoreMemo(scorers_b(split))  # one forward pass each
    rows = []
    for w in FUSION_WEIGHTS:
        result = evaluate(fused(memo_a, memo_b, w), loo, split, cfg.eval, cfg.data.max_len, cfg.data.mask_repeats,
                          cfg.seed, users=users)
        rows.append(per_user(result.ranks, "ndcg", 10))
    return np.stack(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_a", type=Path, help="the reference run (weight 1 - w), e.g. SASRec")
    parser.add_argument("run_b", type=Path, help="the run fused in (weight w), e.g. a GAL-Rec run")
    parser.add_argument("--subset", type=int, default=2000, help="validation users per draw (default 2000)")
    parser.add_argument("--draws", type=int, default=2000, help="random subsets drawn (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="also write the summary here as JSON")
    args = parser.parse_args(argv)

    runs = split_scorers(args.run_a), split_scorers(args.run_b)
    valid = ndcg_by_weight(*runs, "valid")  # [W, U]
    test = ndcg_by_weight(*runs, "test").mean(axis=1)  # [W]
    if not 0 < args.subset <= valid.shape[1]:
        sys.exit(f"--subset must be in 1..{valid.shape[1]} (the validation users), got {args.subset}")
    rng = np.random.default_rng(args.seed)
    picks = []
    for _ in range(args.draws):
        idx = rng.choice(valid.shape[1], args.subset, replace=False)
        picks.append(choose_weight(dict(zip(FUSION_WEIGHTS, valid[:, idx].mean(axis=1).tolist()))))
    counts = {w: picks.count(w) for w in FUSION_WEIGHTS if w in picks}
    test_of = dict(zip(FUSION_WEIGHTS, test.tolist()))
    all_users = choose_weight(dict(zip(FUSION_WEIGHTS, valid.mean(axis=1).tolist())))
    summary = {
        "run_a": str(args.run_a),
        "run_b": str(args.run_b),
        "valid_ndcg@10_by_weight": {str(w): round(float(v), 5) for w, v in zip(FUSION_WEIGHTS, valid.mean(axis=1))},
        "test_ndcg@10_by_weight": {str(w): round(v, 5) for w, v in test_of.items()},
        "subset": args.subset,
        "draws": args.draws,
        "picks": {str(w): n for w, n in counts.items()},
        "expected_test_ndcg@10_subset_pick": round(sum(test_of[w] * n for w, n in counts.items()) / args.draws, 5),
        "all_users_pick": all_users,
        "test_ndcg@10_all_users_pick": round(test_of[all_users], 5),
    }
    text = json.dumps(summary, indent=2) + "\n"
    print(text, end="")
    if args.out:
        atomic_write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
