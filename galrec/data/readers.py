"""Which reader reads which path: the one place that knows every input format.

- a folder with ``interactions.txt`` (and optionally ``items.tsv``): S3-Rec;
- a folder with ``NAME.inter`` (``NAME`` = the folder's name, or the only ``.inter`` there), or
  a ``.inter`` file: RecBole atomic, with ``NAME.item`` beside it when present;
- a ``.txt`` file: S3-Rec sequences, with ``items.tsv`` beside it when present;
- any other file: a CSV/TSV log.
"""

from __future__ import annotations

from pathlib import Path

from galrec.data.dataset import Interactions
from galrec.data.readers_atomic import read_atomic
from galrec.data.readers_csv import read_csv
from galrec.data.readers_s3rec import read_s3rec
from galrec.errors import GalrecError


def read_path(path: Path) -> Interactions:
    """Read the dataset at ``path`` (a folder or a file) with the reader its contents call for."""
    if path.is_dir():
        return _read_folder(path)
    if path.suffix == ".inter":
        return read_atomic(path)
    if path.suffix == ".txt":
        name = path.parent.name if path.name == "interactions.txt" else path.stem
        return read_s3rec(path, _if_exists(path.parent / "items.tsv"), name)
    return read_csv(path)


def _read_folder(folder: Path) -> Interactions:
    if (folder / "interactions.txt").is_file():
        return read_s3rec(folder / "interactions.txt", _if_exists(folder / "items.tsv"), folder.name)
    own = folder / f"{folder.name}.inter"
    if own.is_file():
        return read_atomic(own, folder.name)
    inters = sorted(folder.glob("*.inter"))
    if len(inters) == 1:
        return read_atomic(inters[0])
    if inters:
        names = ", ".join(p.name for p in inters[:5])
        raise GalrecError(f"{folder}: several .inter files ({names}); name the one to read")
    raise GalrecError(f"{folder}: no interactions.txt (S3-Rec) or NAME.inter (RecBole atomic) in this folder")


def _if_exists(path: Path) -> Path | None:
    return path if path.exists() else None
