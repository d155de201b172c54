"""Where galrec finds datasets and keeps its cache."""

from __future__ import annotations

import os
from pathlib import Path

# On the project's machines the benchmark data sits beside the checkout; elsewhere users set
# GALREC_DATA_DIR or pass a path.
_REPO_ROOT = Path(__file__).resolve().parent.parent
_SHARED_DATASETS = _REPO_ROOT.parent / "shared" / "datasets"


def data_dir() -> Path | None:
    """The folder that dataset names resolve under, or None when there is none."""
    env = os.environ.get("GALREC_DATA_DIR")
    if env:
        return Path(env)
    if _SHARED_DATASETS.is_dir():
        return _SHARED_DATASETS
    return None


def tuned_config_dir() -> Path:
    """``configs/baselines`` of the checkout: the baselines' per-dataset tuned settings."""
    return _REPO_ROOT / "configs" / "baselines"


def cache_dir() -> Path:
    """The user cache (downloads, dequantised backbones, external embeddings)."""
    env = os.environ.get("GALREC_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "galrec"
    base.mkdir(parents=True, exist_ok=True)
    return base
