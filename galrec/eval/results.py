"""metrics.json and ranks.tsv: the result files every run folder holds, baselines and GAL-Rec alike."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from galrec.data.split import LeaveOneOut
from galrec.errors import GalrecError
from galrec.eval.evaluate import SplitResult
from galrec.eval.metrics import metrics_from_ranks

# The keys the issue tracker and README tables use, in display order.
HEADLINE_KEYS = ("hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20", "mrr@10")


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def headline(metrics: dict[str, float]) -> dict[str, float]:
    return {k: metrics[k] for k in HEADLINE_KEYS if k in metrics}


def write_results(
    run_dir: Path, valid: SplitResult, test: SplitResult, loo: LeaveOneOut, mask_repeats: bool
) -> dict:
    """Write ``metrics.json`` and ``ranks.tsv`` (test users, dataset ids) into ``run_dir``."""
    if valid.protocol != test.protocol:
        raise ValueError("valid and test must use the same protocol")
    payload = {
        "protocol": test.protocol,
        "mask_repeats": mask_repeats,
        "users_evaluated": int(len(test.users)),
        "valid": headline(valid.metrics),
        "test": headline(test.metrics),
    }
    atomic_write_text(run_dir / "metrics.json", json.dumps(payload, indent=2) + "\n")
    user_raw = loo.data.users.to_raw(test.users)
    item_raw = loo.data.items.to_raw(loo.test_target[test.users])
    lines = ["user_id\ttarget_item_id\trank"]
    lines += [f"{u}\t{i}\t{int(r)}" for u, i, r in zip(user_raw, item_raw, test.ranks)]
    atomic_write_text(run_dir / "ranks.tsv", "\n".join(lines) + "\n")
    return payload


def read_user_ranks(path: Path) -> tuple[list[str], np.ndarray]:
    """``ranks.tsv`` as (dataset user ids, 1-based ranks), in file order."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        return [r["user_id"] for r in rows], np.array([int(r["rank"]) for r in rows], dtype=np.int64)
    except (OSError, KeyError, ValueError) as exc:
        raise GalrecError(f"cannot read ranks file {path}: {exc}") from None


def read_ranks(path: Path) -> np.ndarray:
    return read_user_ranks(path)[1]


def recompute_test_metrics(run_dir: Path) -> dict[str, float]:
    """Test metrics recomputed from ``ranks.tsv`` (they must equal ``metrics.json``'s)."""
    return headline(metrics_from_ranks(read_ranks(run_dir / "ranks.tsv")))


def format_table(rows: dict[str, dict[str, float]], keys: tuple[str, ...] = HEADLINE_KEYS[:6]) -> str:
    """A Markdown table: one row per model, one column per metric."""
    head = "| model | " + " | ".join(k.upper().replace("NDCG", "NDCG") for k in keys) + " |"
    sep = "|---|" + "---|" * len(keys)
    body = [f"| {name} | " + " | ".join(f"{m[k]:.4f}" for k in keys) + " |" for name, m in rows.items()]
    return "\n".join([head, sep, *body])
