"""The Python API: the four calls a notebook or a service needs, each the same path as its command.

``galrec.load(run_dir)`` -> a ``Recommender`` (``galrec recommend`` / ``galrec serve``);
``galrec.train(config, out=...)`` and ``galrec.baseline(name, dataset=..., out=...)`` -> the
metrics (``galrec train`` / ``galrec baseline``); ``galrec.load_dataset(name_or_path)`` -> the
interactions (``galrec data stats``).

Overrides are keyword arguments: a section takes a mapping (``train={"max_epochs": 2}``) and a
double underscore reaches inside one (``train__max_epochs=2``); both are checked like
``key=value`` on the command line, so an unknown key is an error. torch and the model code load
when a call needs them, not when ``galrec`` is imported.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from galrec.config import GalRecConfig
from galrec.typed_config import from_dict, merge, parse_overrides, read_yaml, to_dict
from galrec.data.load import load_dataset
from galrec.errors import GalrecError
from galrec.serve.runfolder import read_finished_run_config

if TYPE_CHECKING:
    from galrec.baselines.configs import BaselineConfig
    from galrec.serve.recommender import Recommender

__all__ = ["load", "train", "baseline", "load_dataset", "baseline_config", "galrec_config"]

RETRIEVALS = ("auto", "exact", "ann")
PRECISIONS = ("float32", "bfloat16")
ConfigLike = str | Path | dict[str, Any] | GalRecConfig | None


def load(run_dir: str | Path, retrieval: str = "auto", precision: str = "float32") -> Recommender:
    """A finished run folder (any model) ready to ``recommend`` and ``score``.

    ``retrieval``: "exact" scores every item; "ann" ranks through an approximate index over the
    item vectors (faiss; SASRec-like models); "auto" uses the index from 100,000 items on.
    ``precision``: "bfloat16" runs the model's matrix products in bfloat16 (GAL-Rec: about 2x
    faster on a CPU with AVX512-BF16, top 10 99 % the same; float32 where the device would only
    emulate bfloat16); scores come back as float32.
    """
    read_finished_run_config(Path(run_dir))  # refuse a wrong folder before torch loads (seconds)
    for name, value, allowed in (("retrieval", retrieval, RETRIEVALS), ("precision", precision, PRECISIONS)):
        if value not in allowed:
            raise GalrecError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    from galrec.serve.recommender import Recommender

    return Recommender.load(run_dir, retrieval, precision)  # type: ignore[arg-type]


def nested(overrides: dict[str, Any]) -> dict[str, Any]:
    """``{"train__max_epochs": 2, "loss": {"l1": 0}}`` -> ``{"train": {"max_epochs": 2}, "loss": {"l1": 0}}``."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        *path, last = key.split("__")
        inner: dict[str, Any] = {last: value}
        for part in reversed(path):
            inner = {part: inner}
        out = merge(out, inner)
    return out


def _raw(config: ConfigLike) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, (str, Path)):
        return read_yaml(config)
    if isinstance(config, dict):
        return dict(config)
    return to_dict(config)


def galrec_config(config: ConfigLike = None, overrides: list[str] | None = None, **kw: Any) -> GalRecConfig:
    """A checked GAL-Rec config: YAML path, mapping or config <- ``key=value`` list <- keywords."""
    raw = merge(merge(_raw(config), parse_overrides(overrides or [])), nested(kw))
    return from_dict(GalRecConfig, raw)


def train(config: ConfigLike = None, out: str | Path | None = None, *, progress: bool = False, **kw: Any) -> dict:
    """Train GAL-Rec into ``out`` (default ``runs/galrec-<dataset>-<time>``); returns the metrics
    (``valid``, ``test``, ``protocol``, ``timing``, ...) that ``metrics.json`` and ``timing.json`` hold."""
    from galrec.training.run import train_galrec

    cfg = galrec_config(config, **kw)
    run = Path(out) if out else default_run_dir(cfg)
    return train_galrec(cfg, run, progress=progress)


def default_run_dir(cfg: GalRecConfig) -> Path:
    return Path("runs") / f"galrec-{Path(cfg.data.dataset).name}-{time.strftime('%Y%m%d-%H%M%S')}"


def baseline_config(
    name: str,
    dataset: str | Path | None = None,
    config: str | Path | None = None,
    overrides: list[str] | None = None,
    **kw: Any,
) -> BaselineConfig:
    """The checked config of baseline ``name``: its defaults <- YAML <- dataset and keywords <- ``key=value``."""
    from galrec.baselines.configs import resolve_config
    from galrec.baselines.registry import REGISTRY

    if name not in REGISTRY:
        raise GalrecError(f"unknown baseline {name!r}; known: {', '.join(REGISTRY)}")
    extra = merge({"data": {"dataset": str(dataset)}} if dataset else {}, nested(kw))
    return resolve_config(REGISTRY[name].config_cls, config, overrides, extra)


def baseline(
    name: str,
    dataset: str | Path | None = None,
    *,
    out: str | Path,
    config: str | Path | None = None,
    overrides: list[str] | None = None,
    progress: bool = False,
    **kw: Any,
) -> dict:
    """Train and evaluate baseline ``name`` into ``out``; returns the metrics and timing."""
    from galrec.baselines.run import run_baseline

    return run_baseline(baseline_config(name, dataset, config, overrides, **kw), out, progress)
