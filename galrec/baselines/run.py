"""One baseline run end to end, and the loader that rebuilds a model from a run folder.

A run folder holds: ``config.yaml`` (resolved, with top-level ``model:``), ``model.safetensors``,
``embeddings.safetensors`` (``item`` [n_items + 1, d], ``user`` [n_users + 1, d]; not for pop),
``item_ids.json`` / ``user_ids.json``, ``metrics.json`` + ``ranks.tsv``, ``train_log.jsonl`` and
``timing.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import resource
import time
from pathlib import Path

import torch
import yaml
from safetensors.torch import load_file, save_file

from galrec.baselines.base import BaselineModel
from galrec.baselines.configs import BaselineConfig
from galrec.baselines.registry import REGISTRY, BaselineSpec
from galrec.baselines.trainer import evaluate_split, train
from galrec.typed_config import from_dict, read_yaml, to_dict
from galrec.data.idmap import IdMap
from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.errors import GalrecError
from galrec.eval.results import atomic_write_text, write_results


def spec_for(name: object) -> BaselineSpec:
    if name not in REGISTRY:
        raise GalrecError(f"unknown baseline {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[name]  # type: ignore[index]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_baseline(cfg: BaselineConfig, out_dir: str | Path, progress: bool = True) -> dict:
    """Train ``cfg.model``, evaluate its best state on valid and test, write the run folder.

    Returns the ``metrics.json`` payload with the timing added under ``"timing"``.
    """
    wall0 = time.perf_counter()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise GalrecError(f"run folder {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads or torch.get_num_threads())
    torch.manual_seed(cfg.seed)
    spec = spec_for(cfg.model)
    loo = LeaveOneOut.from_interactions(load_dataset(cfg.data.dataset))
    atomic_write_text(out / "config.yaml", yaml.safe_dump(to_dict(cfg), sort_keys=False))
    loo.data.items.save(out / "item_ids.json")
    loo.data.users.save(out / "user_ids.json")

    model = spec.build(cfg, loo)
    if spec.fit is not None:
        spec.fit(model, cfg, loo, progress)
    model = model.to(cfg.device)
    log = None
    if spec.batches is not None:
        log = train(model, spec.batches(cfg, loo), loo, cfg, out / "train_log.jsonl", progress)
    model.eval()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))
    if model.has_embeddings:
        emb = {"item": model.item_embeddings(), "user": model.user_embeddings(loo)}
        save_file({k: v.cpu().contiguous() for k, v in emb.items()}, str(out / "embeddings.safetensors"))

    valid = evaluate_split(model, loo, cfg, "valid", progress)
    t0 = time.perf_counter()
    test = evaluate_split(model, loo, cfg, "test", progress)
    eval_s = time.perf_counter() - t0
    payload = write_results(out, valid, test, loo, cfg.data.mask_repeats)

    timing = {
        "wall_seconds": round(time.perf_counter() - wall0, 2),
        "epochs": log.epochs if log else 0,
        "best_epoch": log.best_epoch if log else 0,
        "stopped": log.stopped if log else "not_trained",
        "train_seconds": round(log.train_seconds, 2) if log else 0.0,
        "seconds_per_epoch": round(log.train_seconds / log.epochs, 2) if log else 0.0,
        "valid_seconds": round(log.valid_seconds, 2) if log else 0.0,
        f"test_eval_seconds_{test.protocol}": round(eval_s, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "cpu_seconds": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),  # user + system
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),  # > cores: other jobs shared the CPU
        "threads": torch.get_num_threads(),
        "device": cfg.device,
        "torch": torch.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }
    atomic_write_text(out / "timing.json", json.dumps(timing, indent=2) + "\n")
    return {**payload, "timing": timing}


def load_baseline_config(run_dir: str | Path) -> BaselineConfig:
    raw = read_yaml(Path(run_dir) / "config.yaml")
    return from_dict(spec_for(raw.get("model")).config_cls, raw)


def load_baseline_run(run_dir: str | Path, device: str = "cpu") -> tuple[BaselineModel, BaselineConfig, LeaveOneOut]:
    """Rebuild a trained baseline (eval mode) with its config and the split it was trained on.

    The dataset is read again from ``data.dataset``; its id maps must equal the run's, or the
    stored rows would belong to other users and items.
    """
    run = Path(run_dir)
    if not (run / "model.safetensors").is_file():
        raise GalrecError(f"{run} is not a finished baseline run (no model.safetensors)")
    cfg = dataclasses.replace(load_baseline_config(run), device=device)
    loo = LeaveOneOut.from_interactions(load_dataset(cfg.data.dataset))
    for kind, ids in (("item", loo.data.items), ("user", loo.data.users)):
        if IdMap.load(run / f"{kind}_ids.json") != ids:
            raise GalrecError(f"{run}/{kind}_ids.json does not match the {kind} ids of dataset {cfg.data.dataset!r}")
    model = spec_for(cfg.model).build(cfg, loo)
    model.load_state_dict(load_file(str(run / "model.safetensors")))
    return model.to(device).eval(), cfg, loo
