"""Train pop, SASRec, LightGCN and GAL-Rec into OUT and summarise the runs as OUT/summary.json.

    python train_every_model.py OUT DATASET GALREC_CONFIG

A test helper: two fresh interpreters running this with the same seeds must write the same
summary (metrics, ranks, training logs without wall-clock fields, and hashes of the weights).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from galrec.cli import main

BASELINES = {
    "pop": [],
    "sasrec": ["optim.max_epochs=2", "sasrec.hidden=8", "sasrec.inner=16", "optim.batch_size=32"],
    "lightgcn": ["optim.max_epochs=2", "lightgcn.dim=8", "optim.batch_size=64"],
}
WALL_CLOCK = ("seconds", "per_s")  # key endings of wall-clock fields


def tensor_hashes(state: dict[str, torch.Tensor]) -> dict[str, str]:
    return {k: hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for k, v in sorted(state.items())}


def summary(run: Path, weights: dict[str, torch.Tensor]) -> dict:
    log = run / "train_log.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else []
    return {
        "metrics": json.loads((run / "metrics.json").read_text()),
        "ranks": (run / "ranks.tsv").read_text(),
        "log": [{k: v for k, v in r.items() if not k.endswith(WALL_CLOCK)} for r in records],
        "weights": tensor_hashes(weights),
    }


def run_all(out: Path, dataset: str, galrec_config: str) -> None:
    result = {}
    for model, overrides in BASELINES.items():
        run = out / model
        assert main(["baseline", model, "--dataset", dataset, "--out", str(run), "--quiet", *overrides]) == 0
        result[model] = summary(run, load_file(str(run / "model.safetensors")))
    torch.set_num_threads(1)  # run_baseline takes every core; tiny GAL-Rec is fastest on one
    run = out / "galrec"
    assert main(["train", "--config", galrec_config, "--out", str(run), "--quiet"]) == 0
    best = torch.load(run / "best.pt", map_location="cpu", weights_only=False)["model"]
    result["galrec"] = summary(run, best)
    (out / "summary.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    run_all(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
