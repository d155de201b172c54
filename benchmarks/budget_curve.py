"""Test NDCG@10 against training minutes: where, and whether, graph-aware learning pays.

Trains the same CPU config at increasing budgets (epochs over every user; the schedule spans
each run's own epochs) for three rows and plots the test NDCG@10 of each against the training
minutes its ``timing.json`` measured:

- ``e4srec``: the language model alone without the graph (``prompt.sequence_neighbours=none``,
  L1-L3 off), the E4SRec-style row;
- ``galrec``: GAL-Rec, the language model alone (the paper's form, no SASRec scores);
- ``galrec + SASRec``: the same run's leak-free fusion (``RUN/fused``, weight fitted on validation).

SASRec (the external run every row uses) is drawn as a horizontal line. Run folders are kept
under ``--out`` and reused, so an interrupted curve resumes where it stopped. Usage:

    python benchmarks/budget_curve.py [--dataset beauty] [--epochs 1,2,4,8] [--out runs/budget]

About 2 minutes per epoch per row on Beauty with 2 threads: 1,2,4,8 epochs of two rows is ~2 h.
Writes ``--out/budget_curve.json`` and ``--out/budget_curve.png``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROWS = {
    "e4srec": ["prompt.sequence_neighbours=none", "loss.l1=0", "loss.l2=0", "loss.l3=0"],
    "galrec": [],
}


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="beauty")
    ap.add_argument("--epochs", default="1,2,4,8")
    ap.add_argument("--out", type=Path, default=Path("runs/budget"))
    ap.add_argument("overrides", nargs="*", metavar="key=value", help="extra overrides for every row")
    args = ap.parse_args()
    galrec = str(Path(sys.executable).with_name("galrec"))
    config = f"configs/{args.dataset}-cpu.yaml"
    points: dict[str, list[dict]] = {"e4srec": [], "galrec": [], "galrec + SASRec": []}
    external = None
    for epochs in [int(e) for e in args.epochs.split(",")]:
        for name, overrides in ROWS.items():
            run = args.out / f"{name}-{epochs}ep"
            if not (run / "timing.json").is_file():
                resume = ["--resume", str(run)] if (run / "checkpoint.pt").is_file() else ["--config", config, "--out", str(run)]
                extra = [] if resume[0] == "--resume" else [*overrides, f"train.max_epochs={epochs}",
                                                            f"train.patience={epochs}", *args.overrides]
                subprocess.run([galrec, "train", *resume, "--quiet", *extra], check=True)
            minutes = read(run / "timing.json")["train_seconds"] / 60
            external = read(run / "fused" / "fusion.json")["external_run"]
            points[name].append({"epochs": epochs, "minutes": round(minutes, 2),
                                 "ndcg@10": read(run / "metrics.json")["test"]["ndcg@10"]})
            if name == "galrec":
                points["galrec + SASRec"].append({"epochs": epochs, "minutes": round(minutes, 2),
                                                  "ndcg@10": read(run / "fused" / "metrics.json")["test"]["ndcg@10"]})
            print(name, points[name][-1], flush=True)
    sasrec = read(Path(external) / "metrics.json")["test"]["ndcg@10"] if external else None
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "budget_curve.json").write_text(
        json.dumps({"dataset": args.dataset, "sasrec": sasrec, "rows": points}, indent=2) + "\n", encoding="utf-8"
    )
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, pts in points.items():
        ax.plot([p["minutes"] for p in pts], [p["ndcg@10"] for p in pts], marker="o", label=name)
    if sasrec is not None:
        ax.axhline(sasrec, color="grey", linestyle="--", label="SASRec (external)")
    ax.set_xlabel("training minutes (2-core CPU)")
    ax.set_ylabel("test NDCG@10 (full ranking, all users)")
    ax.set_title(f"{args.dataset}: accuracy against training budget")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "budget_curve.png", dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
