"""The GPU check: GAL-Rec and the E4SRec-style row with all 30 SmolLM2 layers on Beauty, one GPU.

One command, sized for one NVIDIA H200 and under 8 minutes of machine time in all:

    python benchmarks/gpu_check.py --out "$OUT"        # default --out runs/gpu_check

1. the tuned Beauty SASRec (``configs/baselines/sasrec-beauty.yaml``) trained on the GPU, capped
   at 1.5 minutes (its external embeddings; reused when ``--external RUN`` is given);
2. the E4SRec-style row and GAL-Rec, both ``configs/beauty.yaml`` (all 30 layers, full
   fine-tuning) in ``train.mode=sequence`` with bfloat16 autocast and the leak-free fusion,
   each capped at ``--minutes`` of training, evaluated on the seeded 5,000 test users;
3. ``gpu_check.json`` under ``--out``: each row's test metrics, its fused row, the paired
   difference to SASRec, timing (targets per second, seconds) and the GPU's name.

Nothing here runs in ``make test``; without a GPU the script refuses to start.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

ROWS = {
    "e4srec": ["prompt.sequence_neighbours=none", "loss.l1=0", "loss.l2=0", "loss.l3=0"],
    "galrec": ["prompt.sequence_neighbours=sum"],
}
COMMON = [
    "train.mode=sequence", "external.residual=false", "external.fusion=true",
    "train.mixed_precision=bf16", "train.head_dtype=bfloat16", "train.batch_size=64",
    "train.samples_per_epoch=0", "train.valid_users=2000", "eval.test_users=5000", "eval.batch_size=256",
]


def galrec(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("galrec")), *args], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("runs/gpu_check"))
    ap.add_argument("--minutes", type=float, default=1.5, help="training cap per language-model row")
    ap.add_argument("--external", type=Path, help="a finished Beauty SASRec run to reuse")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device here; this check is for a GPU machine", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    external = args.external
    if external is None:
        external = args.out / "sasrec"
        if not (external / "metrics.json").is_file():
            galrec("baseline", "sasrec", "--dataset", "beauty", "--out", str(external), "--quiet",
                   "optim.max_minutes=1.5")
    report: dict = {"gpu": torch.cuda.get_device_name(0), "external": str(external)}
    from galrec.eval.paired import paired_difference

    for name, overrides in ROWS.items():
        run = args.out / name
        if not (run / "timing.json").is_file():
            galrec("train", "--config", "configs/beauty.yaml", "--out", str(run), "--quiet", *COMMON, *overrides,
                   f"train.max_minutes={args.minutes}", "train.max_epochs=3", f"external.run_dir={external.resolve()}")
        read = lambda p: json.loads(p.read_text(encoding="utf-8"))  # noqa: E731
        timing = read(run / "timing.json")
        row = {"test": read(run / "metrics.json")["test"], "fused_test": read(run / "fused" / "metrics.json")["test"],
               "fusion": read(run / "fused" / "fusion.json")["partner_weight"],
               "targets_per_s": timing["targets_per_s"], "train_seconds": timing["train_seconds"],
               "wall_seconds": timing["wall_seconds"]}
        for label, folder in (("minus_sasrec", run), ("fused_minus_sasrec", run / "fused")):
            d = paired_difference(folder, external)
            row[label] = {"ndcg@10": round(d.mean, 5), "ci95": round(d.half_width, 5), "users": d.n_users}
        report[name] = row
        print(name, json.dumps(row), flush=True)
    report["wall_seconds"] = round(time.perf_counter() - t0, 1)
    (args.out / "gpu_check.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
