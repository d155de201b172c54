"""Atomic checkpoints: write to a temporary file, fsync, then rename over the old one.

A checkpoint is a plain dict of tensors and Python values saved with ``torch.save`` (never a
pickled module), so a kill during a write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from galrec.errors import GalrecError


def save_atomic(obj: dict[str, Any], path: str | Path) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        torch.save(obj, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise GalrecError(f"no checkpoint at {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a bad file
        raise GalrecError(f"checkpoint {path} cannot be read: {exc}") from None
