"""Resolve a dataset name or path and read it with the matching reader."""

from __future__ import annotations

from pathlib import Path

from galrec.data.dataset import Interactions
from galrec.data.readers import read_path
from galrec.errors import GalrecError
from galrec.paths import cache_dir, data_dir


def resolve(name_or_path: str) -> Path:
    """An existing path as given, else a name under the data folder, else one fetched to the cache.

    The cache comes last so that the shared, checked copies win over a download.
    """
    p = Path(name_or_path)
    if p.exists():
        return p
    base = data_dir()
    candidates = ([base / name_or_path] if base is not None else []) + [cache_dir() / "datasets" / name_or_path]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    where = f"under {base}" if base else "(GALREC_DATA_DIR is unset)"
    raise GalrecError(
        f"dataset {name_or_path!r} is neither a path nor a dataset name {where} "
        f"or in {cache_dir() / 'datasets'} (see `galrec data fetch`)"
    )


def load_dataset(name_or_path: str) -> Interactions:
    """The public entry point: every command that takes ``--dataset`` goes through here."""
    return read_path(resolve(name_or_path))
