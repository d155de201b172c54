"""A GAL-Rec run folder, laid out like the baselines' (galrec.baselines.run):

- ``config.yaml``: the resolved config, with ``model: galrec`` and the external run it used;
- ``item_ids.json`` / ``user_ids.json``: the id maps the weights and ranks refer to;
- ``checkpoint.pt``: the latest resumable state; ``best.pt``: the best validation weights;
- ``metrics.json`` + ``ranks.tsv`` (galrec.eval.results), ``timing.json``;
- ``train_log.jsonl`` (every optimizer step and validation pass) and ``tb/`` (TensorBoard).
"""

from __future__ import annotations

import json
import resource
from pathlib import Path
from typing import Any

import yaml

from galrec.config import GalRecConfig
from galrec.typed_config import from_dict, read_yaml, to_dict
from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.errors import GalrecError
from galrec.eval.results import atomic_write_text

MODEL_NAME = "galrec"
CHECKPOINT, BEST, LOG, TIMING = "checkpoint.pt", "best.pt", "train_log.jsonl", "timing.json"
FUSED = "fused"  # the fused row's run folder, inside the GAL-Rec run (galrec.training.fusion)


def write_header(run: Path, cfg: GalRecConfig, data: Interactions) -> None:
    run.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        run / "config.yaml", yaml.safe_dump({"model": MODEL_NAME, **to_dict(cfg)}, sort_keys=False)
    )
    data.items.save(run / "item_ids.json")
    data.users.save(run / "user_ids.json")


def check_new(run: Path) -> None:
    """A new run goes into a missing folder, an empty one or an unfinished GAL-Rec one; never
    over another model's run (its config and id maps would be overwritten) or a file."""
    if run.exists() and not run.is_dir():
        raise GalrecError(f"--out {run} is a file, not a folder")
    if (run / CHECKPOINT).exists():
        raise GalrecError(f"{run} already holds a GAL-Rec run; pass --resume {run} or choose another --out")
    if (run / "config.yaml").is_file():
        model = read_yaml(run / "config.yaml").get("model")
        if model != MODEL_NAME:
            raise GalrecError(f"{run} holds a {model!r} run; choose another --out")


def read_config(run: Path) -> GalRecConfig:
    """The config of an existing GAL-Rec run folder; a clear error for anything else."""
    if not run.is_dir():
        raise GalrecError(f"run folder {run} does not exist")
    if not (run / "config.yaml").is_file():
        raise GalrecError(f"{run} is not a run folder (no config.yaml)")
    raw = read_yaml(run / "config.yaml")
    model = raw.pop("model", None)
    if model != MODEL_NAME:
        raise GalrecError(f"{run} holds a {model!r} run, not a GAL-Rec one")
    return from_dict(GalRecConfig, raw)


def check_dataset(run: Path, data: Interactions) -> None:
    """The run's id maps must be ``data``'s, or its weights and ranks belong to other nodes."""
    for kind, ids in (("item", data.items), ("user", data.users)):
        path = run / f"{kind}_ids.json"
        if not path.is_file() or IdMap.load(path) != ids:
            raise GalrecError(
                f"{run} was trained on another dataset: {kind}_ids.json does not match {data.name!r}"
            )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def write_json(path: Path, payload: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(payload, indent=2) + "\n")


def truncate_log(path: Path, keep: int) -> None:
    """Keep the first ``keep`` records: those written after the checkpoint a resume starts from go."""
    if not path.is_file():
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    atomic_write_text(path, "".join(lines[:keep]))
