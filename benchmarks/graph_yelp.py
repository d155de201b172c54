"""Build Yelp's training graph and draw 20 2-hop users for every user; print time and memory.

Issue 2's target: under 10 s and under 2 GB (peak resident memory of the whole process).
Run: ``.venv/bin/python benchmarks/graph_yelp.py [--dataset yelp] [--k 20] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np

from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph
from galrec.graph.sampling import sample_hop2_users


def peak_mb() -> float:
    """Peak resident memory so far; ru_maxrss is KiB on Linux and bytes on macOS."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="yelp")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    t0 = time.perf_counter()
    loo = LeaveOneOut.from_interactions(load_dataset(args.dataset))
    t1 = time.perf_counter()
    graph = BipartiteGraph.from_split(loo, "valid")
    t2 = time.perf_counter()
    users = loo.eval_users()
    hop2 = sample_hop2_users(graph, users, args.k, np.random.default_rng(args.seed))  # [U, k]
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "dataset": args.dataset,
                "users": int(len(users)),
                "edges": int(graph.n_edges),
                "k": args.k,
                "padded_rows": int((hop2 == 0).all(axis=1).sum()),
                "load_s": round(t1 - t0, 3),
                "build_graph_s": round(t2 - t1, 3),
                "sample_hop2_s": round(t3 - t2, 3),
                "total_s": round(t3 - t0, 3),
                "peak_mb": round(peak_mb(), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
