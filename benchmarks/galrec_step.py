"""Training targets per second of GAL-Rec's two modes at the same model size, and where a
sequence-mode step spends its time.

Both modes train ``configs/<dataset>-cpu.yaml``'s backbone (SmolLM2, its first 2 layers) through
the real ``Trainer.train_step`` on the first ``--steps`` steps of epoch 1 (the first two are
warm-up and not counted). A prefix-mode step trains one target per prompt; a sequence-mode step
one target per position of every user in it. Rows:

- ``prefix e4srec``: the E4SRec-style prompts (no graph), float32, as the old CPU configs ran;
- ``prefix galrec``: prompts with listed neighbours, item prompts for L2, L1-L3 on;
- ``sequence e4srec`` / ``sequence galrec``: ``train.mode=sequence`` without and with the item
  audiences and L1-L3, float32, then with ``train.mixed_precision=bf16`` and
  ``train.head_dtype=bfloat16`` (what the CPU configs run).

Then one sequence-mode GAL-Rec step cut into its parts (collating, the mapped catalogue, the
language model's forward, the head's loss, the graph losses, backward, optimizer), each timed on
its own. Usage (needs the Beauty SASRec cache that ``make run`` trains, or ``--external RUN``):

    python benchmarks/galrec_step.py [--dataset beauty] [--threads 2] [--steps 12]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from galrec.config import GalRecConfig
from galrec.typed_config import load_config
from galrec.runtime import native_dtype
from galrec.training.build import build_parts
from galrec.training.external_run import external_run_dir
from galrec.training.loop import Trainer
from galrec.training.precision import autocast
from galrec.training.run import make_accelerator
from galrec.training.rng import step_rng

NO_GRAPH = ["loss.l1=0", "loss.l2=0", "loss.l3=0"]
SEQUENCE = ["train.mode=sequence", "external.residual=false", "train.batch_size=32"]
BF16 = ["train.mixed_precision=bf16", "train.head_dtype=bfloat16"]
ROWS = {
    "prefix e4srec": ["train.mode=prefix", "external.residual=false", "prompt.neighbours=none", *NO_GRAPH],
    "prefix galrec": ["train.mode=prefix", "external.residual=false", "prompt.neighbours=listed"],
    "sequence e4srec": [*SEQUENCE, "prompt.sequence_neighbours=none", *NO_GRAPH],
    "sequence galrec": [*SEQUENCE, "prompt.sequence_neighbours=sum"],
    "sequence e4srec bf16": [*SEQUENCE, "prompt.sequence_neighbours=none", *NO_GRAPH, *BF16],
    "sequence galrec bf16": [*SEQUENCE, "prompt.sequence_neighbours=sum", *BF16],
}


def trainer_for(config: str, overrides: list[str], external: Path, folder: Path) -> Trainer:
    cfg = load_config(GalRecConfig, config, [*overrides, f"external.run_dir={external}"])
    torch.manual_seed(cfg.seed)
    return Trainer(build_parts(cfg, external), folder, make_accelerator(), progress=False)


def targets_per_second(trainer: Trainer, steps: int) -> dict[str, float]:
    plan = trainer.epoch_steps(0)
    seconds, targets = 0.0, 0
    for s in range(min(steps, len(plan))):
        before, t0 = trainer.pos.targets, time.perf_counter()
        trainer.train_step(plan[s], 0, s)
        if s >= 2:  # the first steps allocate and warm the caches
            seconds += time.perf_counter() - t0
            targets += trainer.pos.targets - before
    return {"targets_per_s": round(targets / seconds, 1), "s_per_step": round(seconds / max(steps - 2, 1), 3)}


def step_parts(trainer: Trainer, steps: int) -> dict[str, float]:
    """Mean seconds of each part of a sequence-mode step (graph losses on)."""
    net, cfg, plan = trainer.net, trainer.cfg, trainer.epoch_steps(0)
    parts: dict[str, list[float]] = {}

    def timed(name: str, fn):
        t0 = time.perf_counter()
        out = fn()
        parts.setdefault(name, []).append(time.perf_counter() - t0)
        return out

    for s in range(min(steps, len(plan))):
        batch = timed("collate", lambda: trainer.collate(plan[s][0], step_rng(cfg.seed, 0, s, 0, 0)))
        with autocast(cfg.train.mixed_precision, "cpu"):
            items = timed("mapped catalogue", net.catalogue)
            states = timed("language model forward", lambda: net.encode_sequences(batch.inputs))
            keep = batch.targets > 0
            with torch.autocast("cpu", enabled=False):
                l0 = timed(
                    "head loss (forward, gradients inside)",
                    lambda: net.head.loss(states[keep], items.float(), batch.targets[keep],
                                          native_dtype(net.head_dtype, "cpu")),
                )
            h_u = states[torch.arange(len(batch)), batch.inputs.lengths - 1]
            terms, memory = timed(
                "graph losses",
                lambda: net.graph_terms(h_u, batch.users, batch.last_targets, batch.hop2_users, batch.hop1_users),
            )
        loss = l0 + sum(net.lambdas[k] * v for k, v in terms.items())
        timed("backward", loss.backward)
        timed("optimizer", lambda: (trainer.optimizer.step(), trainer.optimizer.zero_grad(set_to_none=True)))
        net.remember(**memory)
    return {k: round(float(np.mean(v[2:])), 4) for k, v in parts.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="beauty")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--external", type=Path, help="a SASRec run (default: the CPU config's cached one)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    config = f"configs/{args.dataset}-cpu.yaml"
    external = args.external or external_run_dir(load_config(GalRecConfig, config), progress=True)
    report: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, overrides in ROWS.items():
            report[name] = targets_per_second(trainer_for(config, overrides, external, Path(tmp)), args.steps)
            print(name, report[name], flush=True)
        trainer = trainer_for(config, ROWS["sequence galrec bf16"], external, Path(tmp))
        report["sequence galrec bf16, parts (s)"] = step_parts(trainer, args.steps)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
