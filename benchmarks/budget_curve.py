"""Test NDCG@10 against training minutes: where, and whether, graph-aware learning pays.

Trains the same CPU config at increasing budgets (epochs over every user; the schedule spans
each run's own epochs) for three rows and plots the test NDCG@10 of each against the training
minutes its ``timing.json`` measured:

- ``e4srec``: the language model alone without the graph (``prompt.sequence_neighbours=none``,
  L1-L3 off), the E4SRec-style row;
- ``galrec``: GAL-Rec, the language model alone (the paper's form, no SASRec scores);
- ``galrec + SASRec``: the same run's leak-free fusion (``RUN/fused``, weight fitted on validation).

SASRec (the run every row is fused with) is drawn as a horizontal line. Run folders are kept
under ``--out`` and reused, so an interrupted curve resumes where it stopped. Usage:

    python benchmarks/budget_curve.py [--dataset beauty] [--epochs 1,2,4,8] [--seeds 0,1,2] [--out runs/budget]

With several ``--seeds`` every point is trained once per seed (``seed=S``: the language model's
initialisation, batch order and audience samples; the baselines stay the same runs), the
curve shows their mean, and ``paired`` gives, per budget, each seed's paired difference and the
difference pooled over seeds (``galrec.eval.paired.pooled_difference``) for GAL-Rec minus the
E4SRec-style row and for each fusion minus SASRec.

About 2 minutes per epoch per row on Beauty with 2 threads: 1,2,4,8 epochs of two rows is ~2 h.
Writes ``--out/budget_curve.json`` and ``--out/budget_curve.png``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from statistics import mean

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from galrec.eval.paired import PairedDiff, pooled_difference  # noqa: E402

ROWS = {
    "e4srec": ["prompt.sequence_neighbours=none", "loss.l1=0", "loss.l2=0", "loss.l3=0"],
    "galrec": [],
}


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def train(galrec: str, config: str, run: Path, overrides: list[str]) -> None:
    """Train (or resume) one point's run folder unless it has finished."""
    if (run / "timing.json").is_file():
        return
    if (run / "checkpoint.pt").is_file():
        subprocess.run([galrec, "train", "--resume", str(run), "--quiet"], check=True)
    else:
        subprocess.run([galrec, "train", "--config", config, "--out", str(run), "--quiet", *overrides], check=True)


def as_dict(d: PairedDiff) -> dict:
    return {"mean": round(d.mean, 5), "half_width": round(d.half_width, 5), "users": d.n_users, "verdict": d.verdict}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="beauty")
    ap.add_argument("--epochs", default="1,2,4,8")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds; each point is trained once per seed")
    ap.add_argument("--out", type=Path, default=Path("runs/budget"))
    ap.add_argument("overrides", nargs="*", metavar="key=value", help="extra overrides for every row")
    args = ap.parse_args()
    galrec = str(Path(sys.executable).with_name("galrec"))
    config = f"configs/{args.dataset}-cpu.yaml"
    seeds = [int(s) for s in args.seeds.split(",")]
    points: dict[str, list[dict]] = {"e4srec": [], "galrec": [], "galrec + SASRec": []}
    differences: list[dict] = []
    partner = None
    for epochs in [int(e) for e in args.epochs.split(",")]:
        runs: dict[str, list[Path]] = {name: [] for name in ROWS}
        for seed in seeds:
            for name, overrides in ROWS.items():
                # seed 0 keeps the folder name of the one-seed curve, so old runs are reused
                run = args.out / (f"{name}-{epochs}ep" + (f"-s{seed}" if seed else ""))
                train(galrec, config, run, [*overrides, f"seed={seed}", f"train.max_epochs={epochs}",
                                            f"train.patience={epochs}", *args.overrides])
                runs[name].append(run)
                partner = read(run / "fused" / "fusion.json")["partner_run"]
        for name, folders in runs.items():
            minutes = mean(read(r / "timing.json")["train_seconds"] / 60 for r in folders)
            per_seed = [read(r / "metrics.json")["test"]["ndcg@10"] for r in folders]
            point = {"epochs": epochs, "minutes": round(minutes, 2), "ndcg@10": mean(per_seed), "per_seed": per_seed}
            points[name].append(point)
            if name == "galrec":
                fused = [read(r / "fused" / "metrics.json")["test"]["ndcg@10"] for r in folders]
                points["galrec + SASRec"].append({**point, "ndcg@10": mean(fused), "per_seed": fused})
            print(name, points[name][-1], flush=True)
        sasrec_run = Path(partner)
        comparisons = {
            "galrec minus e4srec": list(zip(runs["galrec"], runs["e4srec"])),
            "galrec + SASRec minus SASRec": [(r / "fused", sasrec_run) for r in runs["galrec"]],
            "e4srec + SASRec minus SASRec": [(r / "fused", sasrec_run) for r in runs["e4srec"]],
        }
        entry: dict = {"epochs": epochs, "seeds": seeds}
        for label, pairs in comparisons.items():
            entry[label] = {"per_seed": [as_dict(pooled_difference([p])) for p in pairs],
                            "pooled": as_dict(pooled_difference(pairs))}
            print(label, entry[label], flush=True)
        differences.append(entry)
    sasrec = read(Path(partner) / "metrics.json")["test"]["ndcg@10"] if partner else None
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "budget_curve.json").write_text(
        json.dumps({"dataset": args.dataset, "sasrec": sasrec, "rows": points,
                    "paired": differences}, indent=2) + "\n", encoding="utf-8"
    )
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, pts in points.items():
        ax.plot([p["minutes"] for p in pts], [p["ndcg@10"] for p in pts], marker="o", label=name)
    if sasrec is not None:
        ax.axhline(sasrec, color="grey", linestyle="--", label="SASRec (fused in)")
    ax.set_xlabel("training minutes (2-core CPU)")
    ax.set_ylabel(f"test NDCG@10 (full ranking{', mean of %d seeds' % len(seeds) if len(seeds) > 1 else ''})")
    ax.set_title(f"{args.dataset}: accuracy against training budget")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "budget_curve.png", dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
