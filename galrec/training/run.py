"""A GAL-Rec run end to end (``galrec train``), and re-evaluation of a finished one (``galrec evaluate``)."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from accelerate.utils import DistributedDataParallelKwargs

from galrec.config import GalRecConfig
from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut, SplitName
from galrec.errors import GalrecError
from galrec.eval.evaluate import SplitResult
from galrec.eval.metrics import metrics_from_ranks
from galrec.eval.results import write_results
from galrec.training import rundir
from galrec.training.build import Parts, build_parts
from galrec.training.checkpoint import load_checkpoint
from galrec.training.evaluation import evaluate_split, make_score_fn
from galrec.training.fusion import ScoreMemo, write_fusion
from galrec.training.external_run import external_run_dir, fusion_run_dir
from galrec.training.loop import Trainer


def make_accelerator() -> Accelerator:
    # Queues and bank are updated identically on every process (gathered rows), so DDP need not
    # broadcast them each step; parameters of switched-off losses get no gradient.
    ddp = DistributedDataParallelKwargs(broadcast_buffers=False, find_unused_parameters=True)
    # Accelerate starts a gloo group for torchrun's processes only when told to run on CPU
    several_cpus = int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available()
    return Accelerator(cpu=several_cpus, kwargs_handlers=[ddp])


def _load_split(cfg: GalRecConfig) -> LeaveOneOut:
    return LeaveOneOut.from_interactions(load_dataset(cfg.data.dataset))


def train_galrec(cfg: GalRecConfig | None, run: Path, resume: bool = False, progress: bool = True) -> dict:
    """Train (or resume) into ``run``, evaluate the best weights on the test split, write the files.

    Returns the ``metrics.json`` payload with ``timing`` added (main process; {} elsewhere).
    """
    wall0 = time.perf_counter()
    acc = make_accelerator()
    if resume:
        cfg = rundir.read_config(run)
        if (run / rundir.TIMING).is_file():  # written last: killed before it, the test pass is redone
            stopped = json.loads((run / rundir.TIMING).read_text(encoding="utf-8"))["stopped"]
            raise GalrecError(f"{run} finished training ({stopped}); use `galrec evaluate {run}`")
    elif cfg is None:
        raise ValueError("train_galrec needs a config unless it resumes")
    else:
        rundir.check_new(run)
    if 10 not in cfg.eval.ks:
        raise GalrecError(
            f"config value eval.ks: training needs 10 in it (early stopping watches validation NDCG@10), "
            f"got {cfg.eval.ks}"
        )
    with acc.main_process_first():  # the main process trains the cached baselines, the others reuse them
        external = external_run_dir(cfg, progress and acc.is_main_process)
        resolved = {"run_dir": str(external.resolve())}
        if cfg.external.fused_in:  # trained or checked before training, not after it
            resolved["fusion_run_dir"] = str(fusion_run_dir(cfg, progress and acc.is_main_process).resolve())
    cfg = dataclasses.replace(cfg, external=dataclasses.replace(cfg.external, **resolved))
    loo = _load_split(cfg)
    if resume:
        rundir.check_dataset(run, loo.data)
    torch.manual_seed(cfg.seed)
    parts = build_parts(cfg, external, loo)
    trainer = Trainer(parts, run, acc, progress)
    if not resume and acc.is_main_process:  # after every check: a refused config writes nothing
        rundir.write_header(run, cfg, loo.data)
    pos = trainer.fit(resume)
    if not acc.is_main_process:
        return {}
    t0 = time.perf_counter()
    lm = ScoreMemo(make_score_fn(parts, trainer.net, "test")) if cfg.external.fusion else None
    test = evaluate_split(parts, trainer.net, "test", acc.device, progress=progress, score=lm)
    test_s = time.perf_counter() - t0
    if lm is not None:  # after the LM-alone pass, whose scores the memo now holds
        fit_on = None if cfg.external.fusion_users == "all" else trainer.valid_users  # None: every user
        write_fusion(run, parts, trainer.net, lm, fit_on, acc.device, progress)
    valid = trainer.best_valid_result()
    payload = write_results(run, valid, test, loo, cfg.data.mask_repeats)
    payload["valid_users_evaluated"] = int(len(valid.users))  # the per-epoch validation subset
    rundir.write_json(run / "metrics.json", payload)
    timing = {
        "wall_seconds": round(time.perf_counter() - wall0, 2),
        "resumed": resume,
        "train_seconds": round(pos.train_seconds, 2),
        "valid_seconds": round(pos.valid_seconds, 2),
        f"test_eval_seconds_{test.protocol}": round(test_s, 2),
        "steps": pos.global_step,
        "epochs": pos.epoch,
        "best_epoch": trainer.stopper.best_epoch,
        "stopped": pos.stopped,
        "samples": pos.samples,
        "samples_per_s": round(pos.samples / max(pos.train_seconds, 1e-9), 2),
        "mode": cfg.train.mode,
        "targets": pos.targets * acc.num_processes,
        "targets_per_s": round(pos.targets * acc.num_processes / max(pos.train_seconds, 1e-9), 2),
        "tokens_per_user_prompt": round(pos.user_tokens / max(pos.user_prompts, 1), 2),
        "tokens_per_item_prompt": round(pos.item_tokens / pos.item_prompts, 2) if pos.item_prompts else None,
        "peak_rss_mb": round(rundir.peak_rss_mb(), 1),
        "processes": acc.num_processes,
        "threads": torch.get_num_threads(),
        "device": str(acc.device),
        "backbone": parts.model.backbone.summary(),
        "torch": torch.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }
    rundir.write_json(run / rundir.TIMING, timing)
    return {**payload, "timing": timing}


def load_run(run: Path) -> Parts:
    """Rebuild a finished run's model with its best weights (eval mode, on CPU)."""
    cfg = rundir.read_config(run)
    loo = _load_split(cfg)
    rundir.check_dataset(run, loo.data)
    if not (run / rundir.BEST).is_file():
        raise GalrecError(f"{run} has no {rundir.BEST}: training never finished an epoch")
    torch.manual_seed(cfg.seed)
    parts = build_parts(cfg, Path(cfg.external.run_dir), loo)
    try:
        parts.model.load_training_state(load_checkpoint(run / rundir.BEST)["model"])
    except ValueError as exc:
        raise GalrecError(f"{run / rundir.BEST}: {exc}") from None
    parts.model.eval()
    return parts


def _kept_split(run: Path, parts: Parts, split: SplitName, protocol: str) -> SplitResult | None:
    """The other split's result from the existing files, when they used the same protocol."""
    path = run / "metrics.json"
    if not path.is_file():
        return None
    old = json.loads(path.read_text(encoding="utf-8"))
    if old.get("protocol") != protocol or split not in old:
        return None
    if split == "valid":
        return SplitResult(
            "valid",
            protocol,
            np.zeros(old.get("valid_users_evaluated", 0), np.int64),
            np.zeros(0, np.int64),
            old["valid"],
        )
    if not (run / "ranks.tsv").is_file():
        return None
    with open(run / "ranks.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    users = parts.loo.data.users.index(row["user_id"] for row in rows)
    ranks = np.array([int(row["rank"]) for row in rows], dtype=np.int64)
    return SplitResult("test", protocol, users, ranks, metrics_from_ranks(ranks, parts.cfg.eval.ks))


def evaluate_galrec(
    run: Path, split: SplitName | None = None, protocol: str | None = None, progress: bool = True
) -> dict:
    """Re-evaluate a finished run and rewrite ``metrics.json`` / ``ranks.tsv``.

    ``split`` None evaluates both splits on all users; with one split named, the other is kept
    from the existing files when they used the same protocol (else it is evaluated too).
    """
    parts = load_run(run)
    protocol = protocol or parts.cfg.eval.protocol
    device = Accelerator().device
    parts.model.to(device)
    results: dict[str, SplitResult] = {}
    for name in ("valid", "test"):
        kept = None if split in (None, name) else _kept_split(run, parts, name, protocol)
        results[name] = kept or evaluate_split(parts, parts.model, name, device, protocol, progress=progress)
    payload = write_results(run, results["valid"], results["test"], parts.loo, parts.cfg.data.mask_repeats)
    payload["valid_users_evaluated"] = int(len(results["valid"].users))
    rundir.write_json(run / "metrics.json", payload)
    return payload
