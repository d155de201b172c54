"""Resolve a dataset name or path and read it with the matching reader."""

from __future__ import annotations

from pathlib import Path

from galrec.data.dataset import Interactions
from galrec.data.readers import read_s3rec
from galrec.errors import GalrecError
from galrec.paths import data_dir


def resolve(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.exists():
        return p
    base = data_dir()
    if base is not None and (base / name_or_path).exists():
        return base / name_or_path
    where = f"under {base}" if base else "(GALREC_DATA_DIR is unset)"
    raise GalrecError(f"dataset {name_or_path!r} is neither a path nor a dataset name {where}")


def load_dataset(name_or_path: str) -> Interactions:
    path = resolve(name_or_path)
    return read_s3rec(path)
