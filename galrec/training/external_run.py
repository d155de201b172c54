"""Which baseline runs GAL-Rec uses: the configured ones, or cached ones.

Two roles: the external run whose embeddings the language model reads (``external.source``,
``external.run_dir``, ``external.baseline_overrides``) and the run fused with it after training
(``external.fusion_source``: the external one itself, or another baseline with
``external.fusion_run_dir`` and ``external.fusion_overrides``). With the run folder empty, the
baseline is trained once with its own defaults plus the overrides by the baselines' own
``run_baseline``, under ``cache_dir()/external/<dataset>-<source>-<hash>``, the hash covering the
dataset path and the whole baseline config. A second run with the same key reuses it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from galrec.baselines.configs import resolve_config
from galrec.baselines.registry import REGISTRY
from galrec.baselines.run import load_baseline_config, run_baseline
from galrec.config import GalRecConfig
from galrec.typed_config import to_dict
from galrec.data.load import resolve
from galrec.errors import GalrecError
from galrec.paths import cache_dir


def cached_run_dir(cfg: GalRecConfig, source: str, overrides: list[str]) -> tuple[Path, object]:
    """Where the cached ``source`` baseline for ``cfg`` lives, and the baseline config that trains it."""
    dataset = resolve(cfg.data.dataset).resolve()
    extra = {"seed": cfg.seed, "data": {"dataset": str(dataset), "max_len": cfg.data.max_len}}
    base_cfg = resolve_config(REGISTRY[source].config_cls, None, overrides, extra)
    keyed = {
        k: v for k, v in to_dict(base_cfg).items() if k != "device"
    }  # where it ran is no part of what it is
    digest = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / "external" / f"{dataset.name}-{source}-{digest}", base_cfg


def external_run_dir(cfg: GalRecConfig, progress: bool = True) -> Path:
    """The baseline run to read embeddings from, training the cached one if it is missing."""
    ext = cfg.external
    return _baseline_run_dir(cfg, ext.source, ext.run_dir, ext.baseline_overrides, "external.run_dir",
                             "supplies external embeddings", progress)


def fusion_run_dir(cfg: GalRecConfig, progress: bool = True) -> Path:
    """The baseline run fused with the language model after training (the external one by default)."""
    ext = cfg.external
    if not ext.fused_in:
        return external_run_dir(cfg, progress)
    run = _baseline_run_dir(cfg, ext.fusion_source, ext.fusion_run_dir, ext.fusion_overrides,
                            "external.fusion_run_dir", "is fused with the language model", progress)
    model = load_baseline_config(run).model
    if model != ext.fusion_source:
        raise GalrecError(f"external.fusion_run_dir {run} is a {model!r} run, not external.fusion_source "
                          f"{ext.fusion_source!r}")
    return run


def _baseline_run_dir(
    cfg: GalRecConfig, source: str, run_dir: str, overrides: list[str], key: str, role: str, progress: bool
) -> Path:
    if run_dir:
        run = Path(run_dir).expanduser()
        if not run.is_dir():
            raise GalrecError(f"{key} {run} does not exist")
        return run
    run, base_cfg = cached_run_dir(cfg, source, overrides)
    if (run / "embeddings.safetensors").is_file():
        return run
    run.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{run.name}.tmp-", dir=run.parent))
    try:
        if progress:
            print(f"training the {source} run that {role}: {run}")
        run_baseline(base_cfg, tmp, progress=progress)
        tmp.rename(run)
    except OSError:
        if not (run / "embeddings.safetensors").is_file():  # not a lost race with another process
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return run
