"""Download the public S3-Rec interaction files, verified by sha256, into the user cache.

Only the interactions are public upstream (titles were aligned separately; see
``../shared/datasets/README.md``), so a fetched dataset has no ``items.tsv`` and no titles.
The file is downloaded into a temporary folder beside the destination and moved into place only
once its hash matches, so a failed or corrupted download leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pooch
import requests

from galrec.errors import GalrecError
from galrec.paths import cache_dir

DEFAULT_BASE_URL = "https://raw.githubusercontent.com/RUCAIBox/CIKM2020-S3Rec/master/data/"
BASE_URL_ENV = "GALREC_FETCH_URL"
"""Overrides the base URL (a mirror, or a local server in the tests)."""

SOURCES: dict[str, tuple[str, str]] = {
    # name: (upstream file name, sha256 of the byte-identical copy in ../shared/datasets)
    "beauty": ("Beauty.txt", "226cce9c3105299ca0db9615d7d3fb32b3175e90da43100ae352599f0f0107b8"),
    "toys": ("Toys_and_Games.txt", "176c680c688d497598c4a89a03b402c0fe78d795e5db335c2e78dd5f2d778a3f"),
    "yelp": ("Yelp.txt", "724b219106b81dd2349027da997334ddb6da9fe2f152ad6e0d97a93170f7caed"),
}


def default_dest(name: str) -> Path:
    """Where ``load_dataset(name)`` finds a fetched dataset."""
    return cache_dir() / "datasets" / name


def fetch(name: str, dest: Path | None = None, base_url: str | None = None) -> Path:
    """Fetch dataset ``name`` to ``dest/interactions.txt`` and return that file's path.

    An existing file with the right hash is kept as it is; one with a wrong hash is replaced.
    """
    if name not in SOURCES:
        raise GalrecError(f"unknown dataset {name!r} to fetch; choose one of {', '.join(SOURCES)}")
    filename, sha256 = SOURCES[name]
    dest = Path(dest) if dest is not None else default_dest(name)
    target = dest / "interactions.txt"
    if target.is_file() and pooch.file_hash(str(target)) == sha256:
        return target
    base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    url = base.rstrip("/") + "/" + filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-fetch-", dir=dest.parent))
    try:
        downloaded = _download(url, sha256, staging)
        dest.mkdir(exist_ok=True)
        os.replace(downloaded, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _download(url: str, sha256: str, folder: Path) -> Path:
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # its "Downloading … to <temporary file>" would only confuse
    try:
        return Path(pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname="download", path=folder))
    except ValueError:  # pooch's hash check; it has already deleted the file
        raise GalrecError(f"{url}: sha256 mismatch (expected {sha256}); the download was discarded") from None
    except requests.RequestException as exc:
        raise GalrecError(f"{url}: download failed ({type(exc).__name__}: {_one_line(exc)})") from None
    except OSError as exc:
        raise GalrecError(f"{url}: cannot save the download in {folder} ({exc.strerror})") from None
    finally:
        logger.setLevel(level)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
