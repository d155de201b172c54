"""A Markdown table of finished run folders side by side (test split, as each run measured it).

    python benchmarks/compare_runs.py NAME=RUN_DIR [NAME=RUN_DIR …]

Reads each run's metrics.json, timing.json and config.yaml; prints HR/NDCG@5/10/20, the
protocol, wall time, training samples/s, tokens per user prompt and peak memory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KEYS = ("hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20")


def row(name: str, run: Path) -> str:
    metrics = json.loads((run / "metrics.json").read_text())
    timing = json.loads((run / "timing.json").read_text())
    test = metrics["test"]
    speed = timing.get("samples_per_s", "")
    tokens = timing.get("tokens_per_user_prompt", "")
    cells = [f"{test[k]:.4f}" for k in KEYS]
    cells += [
        metrics["protocol"],
        f"{metrics['valid']['ndcg@10']:.4f} ({metrics.get('valid_users_evaluated', metrics['users_evaluated'])})",
        f"{timing['wall_seconds']:.0f}",
        str(speed),
        str(tokens),
        f"{timing['peak_rss_mb']:.0f}",
    ]
    return f"| {name} | " + " | ".join(cells) + " |"


def main(argv: list[str]) -> int:
    if not argv or any("=" not in a for a in argv):
        print(__doc__, file=sys.stderr)
        return 2
    head = ["model", *(k.upper() for k in KEYS), "protocol", "valid NDCG@10 (users)", "wall s",
            "samples/s", "tokens/prompt", "peak MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for arg in argv:
        name, path = arg.split("=", 1)
        print(row(name, Path(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
