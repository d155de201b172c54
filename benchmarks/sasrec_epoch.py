"""Page faults, kernel share and seconds of SASRec training epochs, before and after the blockwise loss.

Each variant runs in a fresh process and trains ``--epochs`` epochs of SASRec on ``--dataset``
with the class-default SASRec config (hidden 64, batch 128 windows, full cross-entropy):

- ``plain``: the catalogue cross-entropy as ``F.cross_entropy(h @ W.T, t)`` over the whole
  ``[positions, n_items]`` logits, C library and PyTorch allocators as they come;
- ``plain+thp+heap``: the same with transparent huge pages for PyTorch and glibc's heap kept
  between steps, both set in the environment before the process starts (what galrec once set,
  too late, from inside the process);
- ``blockwise``: ``galrec.baselines.catalogue_ce`` (what ``galrec baseline sasrec`` runs), default allocators;
- ``blockwise+galrec``: the same with ``galrec.runtime.tune_allocator()`` (glibc's heap kept), as the
  ``galrec`` command runs it;
- ``blockwise+galrec+bf16``: the same with the catalogue products in bfloat16 (``sasrec.ce_dtype``);
- ``tuned``: the dataset's tuned config (``configs/baselines/sasrec-<dataset>.yaml``), as
  ``galrec baseline sasrec --dataset D`` runs it; ``tuned-fp32`` the same with float32 products.

Reported per variant, over the training epochs only (validation is not run): wall seconds per
epoch, minor page faults per second (``getrusage``), and the kernel's share of the process's CPU
time (system / (user + system)). Usage:

    python benchmarks/sasrec_epoch.py [--dataset beauty] [--epochs 2] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from galrec import runtime  # no torch: the children import it themselves

# galrec.runtime's glibc heap settings, as environment variables read when the C library starts
HEAP = {f"MALLOC_{name}_": str(runtime.SETTINGS[param]) for name, param in
        (("MMAP_THRESHOLD", runtime.M_MMAP_THRESHOLD), ("TRIM_THRESHOLD", runtime.M_TRIM_THRESHOLD),
         ("TOP_PAD", runtime.M_TOP_PAD))}
# name -> (environment, loss form, config, galrec.runtime.tune_allocator()); config "default" is
# SASRecRunConfig() (batch 128 windows, float32 products), "tuned" the dataset's
# configs/baselines/sasrec-<dataset>.yaml (Beauty: batch 512, the paper code's block, bfloat16)
VARIANTS = {
    "plain": ({}, "plain", "default", False),
    "plain+thp+heap": ({"THP_MEM_ALLOC_ENABLE": "1", **HEAP}, "plain", "default", False),
    "blockwise": ({}, "blockwise", "default", False),
    "blockwise+galrec": ({}, "blockwise", "default", True),
    "blockwise+galrec+bf16": ({}, "blockwise", "default+bf16", True),
    "tuned-fp32": ({}, "blockwise", "tuned-fp32", True),
    "tuned": ({}, "blockwise", "tuned", True),
}


def child(variant: str, dataset: str, epochs: int, threads: int) -> dict:
    _, loss_form, config, tune = VARIANTS[variant]
    if tune:
        runtime.tune_allocator()
    import resource
    import time

    import numpy as np
    import torch
    import torch.nn.functional as F

    from galrec.baselines import sasrec as sasrec_module
    from galrec.baselines.configs import SASRecRunConfig, resolve_config
    from galrec.baselines.registry import REGISTRY
    from galrec.baselines.trainer import run_epoch
    from galrec.data.load import load_dataset
    from galrec.data.split import LeaveOneOut

    if loss_form == "plain":  # the loss as it was: the whole logits matrix at once
        sasrec_module.catalogue_cross_entropy = lambda h, w, t, **_: F.cross_entropy(h @ w.T, t)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if config.startswith("default"):
        cfg = SASRecRunConfig()
        cfg.data.dataset = dataset
        cfg.sasrec.ce_dtype = "bfloat16" if config.endswith("bf16") else "float32"
    else:
        fp32 = ["sasrec.ce_dtype=float32"] if config.endswith("fp32") else []
        cfg = resolve_config(SASRecRunConfig, overrides=[f"data.dataset={dataset}", *fp32])
    loo = LeaveOneOut.from_interactions(load_dataset(dataset))
    spec = REGISTRY["sasrec"]
    model, batcher = spec.build(cfg, loo), spec.batches(cfg, loo)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr)
    rng = np.random.default_rng(0)
    rows = []
    for epoch in range(epochs):
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        loss = run_epoch(model, batcher, opt, rng, "cpu", f"epoch {epoch + 1}", progress=False)
        r1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - t0
        user, system = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
        rows.append({"epoch": epoch + 1, "seconds": round(wall, 2), "loss": round(loss, 4),
                     "minor_faults_per_s": round((r1.ru_minflt - r0.ru_minflt) / wall),
                     "kernel_share": round(system / max(user + system, 1e-9), 4)})
    return {"variant": variant, "dataset": dataset, "threads": threads, "epochs": rows,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="beauty")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.dataset, args.epochs, args.threads)))
        return 0
    print("| variant | epoch | s/epoch | minor faults/s | kernel share of CPU |")
    print("|---|---|---|---|---|")
    for variant in args.variants.split(","):
        extra, _, _, tune = VARIANTS[variant]
        env = {**os.environ, **extra, "GALREC_ALLOCATOR": "" if tune else "default"}
        cmd = [sys.executable, __file__, "--child", variant, "--dataset", args.dataset,
               "--epochs", str(args.epochs), "--threads", str(args.threads)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        rec = json.loads(done.stdout.strip().splitlines()[-1])
        for r in rec["epochs"]:
            print(f"| {variant} | {r['epoch']} | {r['seconds']} | {r['minor_faults_per_s']:,} | "
                  f"{100 * r['kernel_share']:.1f}% |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
