"""Where does run A beat run B? The paired NDCG@10 difference per bucket of users.

    python benchmarks/paired_by_bucket.py RUN_A RUN_B --dataset beauty [--pairs RUN_A2 RUN_B2 ...]

Graph methods are usually argued to help where sequences are thin: users with few training items,
or targets that few users have bought. This splits the test users that both runs ranked by

- ``history``: the user's training items (the length the model read, minus the validation item);
- ``target popularity``: how many training interactions the user's test item has;

into quartiles of the users, and prints each bucket's mean NDCG@10 of A and B and A minus B paired
by user with its 95% interval. Further ``--pairs`` (A, B alternating, e.g. other seeds) are pooled
per user as in ``galrec.eval.paired.pooled_difference``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.eval.paired import PairedDiff, ranks_by_user, shared_users
from galrec.eval.paired import per_user as metric_per_user


def quartile_buckets(values: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Four masks over ``values`` [U] by its quartiles (ties kept together) -> [(label, mask [U])]."""
    edges = np.unique(np.quantile(values, [0.25, 0.5, 0.75]))
    bounds = [-np.inf, *edges.tolist(), np.inf]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        mask = (values > lo) & (values <= hi)
        if mask.any():
            out.append((f"{int(values[mask].min())}-{int(values[mask].max())}", mask))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_a", type=Path)
    parser.add_argument("run_b", type=Path)
    parser.add_argument("--dataset", required=True, help="the runs' dataset (name or folder)")
    parser.add_argument("--pairs", type=Path, nargs="*", default=[], help="more A B runs, alternating")
    args = parser.parse_args(argv)
    if len(args.pairs) % 2:
        sys.exit("--pairs takes runs two by two (A B A B ...)")
    pairs = [(args.run_a, args.run_b), *zip(args.pairs[::2], args.pairs[1::2])]

    data = load_dataset(args.dataset)
    loo = LeaveOneOut.from_interactions(data)
    tables = [(ranks_by_user(a), ranks_by_user(b)) for a, b in pairs]
    users = shared_users([t for pair in tables for t in pair])
    if not users:
        sys.exit("the runs share no test user")
    internal = data.users.index(users)  # [U]
    item_count = np.bincount(loo.train.items, minlength=data.n_items + 1)  # training interactions per item
    features = {
        "history": loo.train.lengths[internal],
        "target popularity": item_count[loo.test_target[internal]],
    }
    ndcg = [
        (metric_per_user(np.array([a[u] for u in users]), "ndcg@10"),
         metric_per_user(np.array([b[u] for u in users]), "ndcg@10"))
        for a, b in tables
    ]
    a_mean = np.mean([a for a, _ in ndcg], axis=0)  # [U]
    b_mean = np.mean([b for _, b in ndcg], axis=0)
    diff = a_mean - b_mean

    report = {"run_a": [str(a) for a, _ in pairs], "run_b": [str(b) for _, b in pairs], "users": len(users)}
    print(f"{len(users)} users; A = {', '.join(report['run_a'])}; B = {', '.join(report['run_b'])}")
    for name, values in features.items():
        rows = []
        print(f"\n| {name} | users | A NDCG@10 | B NDCG@10 | A minus B (95%) |\n|---|---|---|---|---|")
        for label, mask in quartile_buckets(values.astype(np.float64)):
            d = PairedDiff.of(diff[mask])
            row = {"bucket": label, "users": d.n_users, "a": float(a_mean[mask].mean()),
                   "b": float(b_mean[mask].mean()), "diff": d.mean, "half_width": d.half_width}
            rows.append(row)
            print(f"| {label} | {d.n_users} | {row['a']:.4f} | {row['b']:.4f} | {d.mean:+.4f} ± {d.half_width:.4f} |")
        report[name] = rows
    print("\n" + json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
