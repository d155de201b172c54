"""Which baseline run supplies the external embeddings: the configured one, or a cached one.

With ``external.run_dir`` empty, the baseline named by ``external.source`` is trained once with
its own defaults (plus ``external.baseline_overrides``) by the baselines' own ``run_baseline``,
under ``cache_dir()/external/<dataset>-<source>-<hash>``, the hash covering the dataset path
and the whole baseline config. A second run with the same key reuses it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from galrec.baselines.configs import resolve_config
from galrec.baselines.registry import REGISTRY
from galrec.baselines.run import run_baseline
from galrec.config import GalRecConfig, to_dict
from galrec.data.load import resolve
from galrec.errors import GalrecError
from galrec.paths import cache_dir


def cached_run_dir(cfg: GalRecConfig) -> tuple[Path, object]:
    """Where the cached baseline for ``cfg`` lives, and the baseline config that trains it."""
    dataset = resolve(cfg.data.dataset).resolve()
    extra = {"seed": cfg.seed, "data": {"dataset": str(dataset), "max_len": cfg.data.max_len}}
    base_cfg = resolve_config(
        REGISTRY[cfg.external.source].config_cls, None, cfg.external.baseline_overrides, extra
    )
    keyed = {
        k: v for k, v in to_dict(base_cfg).items() if k != "device"
    }  # where it ran is no part of what it is
    digest = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / "external" / f"{dataset.name}-{cfg.external.source}-{digest}", base_cfg


def external_run_dir(cfg: GalRecConfig, progress: bool = True) -> Path:
    """The baseline run to read embeddings from, training the cached one if it is missing."""
    if cfg.external.run_dir:
        run = Path(cfg.external.run_dir).expanduser()
        if not run.is_dir():
            raise GalrecError(f"external.run_dir {run} does not exist")
        return run
    run, base_cfg = cached_run_dir(cfg)
    if (run / "embeddings.safetensors").is_file():
        return run
    run.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{run.name}.tmp-", dir=run.parent))
    try:
        if progress:
            print(f"training the {cfg.external.source} run that supplies external embeddings: {run}")
        run_baseline(base_cfg, tmp, progress=progress)
        tmp.rename(run)
    except OSError:
        if not (run / "embeddings.safetensors").is_file():  # not a lost race with another process
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return run
