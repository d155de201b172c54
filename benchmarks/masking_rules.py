"""One trained baseline's test metrics under three rules for the user's history items.

    python benchmarks/masking_rules.py RUN [RUN ...]

galrec masks every history item before ranking, so a target the user has consumed before (repeat
consumption: 6.7% of Yelp's test users, none on Beauty or Toys) is a miss (``masked``, the
S3-Rec/RecBole rule). Two other rules appear in published code:

- ``zeroed``: the history items' *scores* are set to 0 instead of removed (the FMLP-Rec / BSARec
  evaluation code does this), so they, a repeated target among them, still compete wherever 0
  falls among the model's logits;
- ``none``: nothing is masked but the padding item.

A published figure measured under another rule than ours is not a target under ours; this
prints how far apart the rules put the same weights. Ties favour the target (galrec's rule).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from galrec.baselines.run import load_baseline_run
from galrec.eval.metrics import metrics_from_ranks
from galrec.eval.ranking import history_mask_indices, rank_batch, repeated_targets

RULES = ("masked", "zeroed", "none")


def ranks_under(scores: torch.Tensor, targets: torch.Tensor, rows: torch.Tensor, items: torch.Tensor,
                rule: str) -> torch.Tensor:
    """1-based ranks of ``targets`` [B] in ``scores`` [B, n_items + 1] under ``rule``; ``rows`` and
    ``items`` [M] are the history pairs. ``masked`` is galrec's own ranking."""
    if rule == "masked":
        return rank_batch(scores, targets, rows, items, mask_repeats=True)
    scores = scores.float().clone()
    if rule == "zeroed":
        scores[rows, items] = 0.0
    scores[:, 0] = float("-inf")
    target_scores = scores[torch.arange(len(targets)), targets]
    return (scores > target_scores[:, None]).sum(dim=1) + 1


@torch.no_grad()
def evaluate_rules(run: Path, batch_size: int = 1024) -> dict:
    model, cfg, loo = load_baseline_run(run)
    inputs, targets, users = loo.inputs("test"), loo.targets("test"), loo.eval_users()
    ranks: dict[str, list[np.ndarray]] = {rule: [] for rule in RULES}
    repeats: list[np.ndarray] = []
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = model.score(torch.from_numpy(batch), inputs.padded(batch, cfg.data.max_len))
        rows, items = (torch.from_numpy(a) for a in history_mask_indices(inputs, batch))
        batch_targets = torch.from_numpy(targets[batch])
        for rule in RULES:
            ranks[rule].append(ranks_under(scores, batch_targets, rows, items, rule).numpy())
        repeats.append(repeated_targets(batch_targets, rows, items).numpy())
    rep = np.concatenate(repeats)
    out = {"run": str(run), "dataset": cfg.data.dataset, "users": int(len(users)),
           "repeated_targets": round(float(rep.mean()), 4)}
    for rule in RULES:
        r = np.concatenate(ranks[rule])
        out[rule] = {k: round(v, 4) for k, v in metrics_from_ranks(r).items() if k in ("hr@10", "ndcg@10")}
        if rep.any():
            out[rule]["ndcg@10_repeats"] = round(metrics_from_ranks(r[rep])["ndcg@10"], 4)
            out[rule]["ndcg@10_others"] = round(metrics_from_ranks(r[~rep])["ndcg@10"], 4)
    return out


def main() -> int:
    torch.set_num_threads(2)
    for run in map(Path, sys.argv[1:]):
        print(json.dumps(evaluate_rules(run)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
