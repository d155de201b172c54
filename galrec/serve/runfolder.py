"""What a run folder must hold before anything heavy loads: a config naming the model, and for
serving the file a finished run writes last. No torch here, so a wrong folder is refused at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from galrec.typed_config import read_yaml
from galrec.errors import GalrecError

FINISHED = "timing.json"  # written last by `galrec train` and `galrec baseline`


def read_run_config(run_dir: Path) -> dict[str, Any]:
    """``config.yaml`` of a run folder, checked to name a model."""
    if not run_dir.is_dir():
        raise GalrecError(f"run folder {run_dir} does not exist")
    if not (run_dir / "config.yaml").is_file():
        raise GalrecError(f"{run_dir} is not a run folder (no config.yaml)")
    raw = read_yaml(run_dir / "config.yaml")
    if not isinstance(raw.get("model"), str):
        raise GalrecError(f"{run_dir / 'config.yaml'} has no top-level 'model:' naming the model")
    return raw


def read_finished_run_config(run_dir: Path) -> dict[str, Any]:
    """The same, for a run whose training and test pass ended."""
    raw = read_run_config(run_dir)
    if not (run_dir / FINISHED).is_file():
        raise GalrecError(f"{run_dir} is not a finished run (no {FINISHED}: training or its test pass did not end)")
    return raw
