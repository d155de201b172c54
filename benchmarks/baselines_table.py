"""Markdown rows of results/baselines.md from finished baseline run folders.

    python benchmarks/baselines_table.py runs/baselines/sasrec_beauty runs/baselines/bsarec_beauty ...

Each row: dataset, model, test HR/NDCG@5/10/20 over the users the run evaluated, validation
NDCG@10, wall minutes, epochs (best, why it stopped), seconds per training epoch, test pass
seconds, peak resident memory, threads and the 1-minute load average at the end (above the
core count: other jobs shared the CPU, and wall time overstates the run's own cost; CPU minutes
do not), all read from the folder's metrics.json, timing.json
and config.yaml.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HEADER = ("| dataset | model | HR@5 | HR@10 | HR@20 | NDCG@5 | NDCG@10 | NDCG@20 | valid NDCG@10 | users | "
          "wall (min) | CPU (min) | epochs (best, stop) | s/epoch | test eval (s) | peak RSS (MB) | threads | load |")


def row(run: Path) -> str:
    metrics = json.loads((run / "metrics.json").read_text())
    timing = json.loads((run / "timing.json").read_text())
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    test, valid = metrics["test"], metrics["valid"]
    cells = [Path(cfg["data"]["dataset"]).name, cfg["model"]]
    cells += [f"{test[m]:.4f}" for m in ("hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20")]
    cells += [f"{valid['ndcg@10']:.4f}", str(metrics.get("users_evaluated", "all"))]
    test_s = next((v for k, v in timing.items() if k.startswith("test_eval_seconds")), 0.0)
    epochs = f"{timing['epochs']} ({timing['best_epoch']}, {timing['stopped']})" if timing["epochs"] else "–"
    cells += [f"{timing['wall_seconds'] / 60:.1f}", f"{timing['cpu_seconds'] / 60:.1f}", epochs,
              str(timing["seconds_per_epoch"] or "–"), f"{test_s:.1f}", f"{timing['peak_rss_mb']:.0f}",
              str(timing["threads"]), str(timing["load_avg_1m_at_end"])]
    return "| " + " | ".join(cells) + " |"


def main(runs: list[str]) -> int:
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    for run in runs:
        print(row(Path(run)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
