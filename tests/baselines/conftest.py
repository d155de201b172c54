"""A small slice of Beauty (first users of the S3-Rec file), shared by the baseline tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from galrec.paths import data_dir

SLICE_USERS = 1200


@pytest.fixture(scope="session")
def beauty_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = data_dir()
    src = base / "beauty" / "interactions.txt" if base else None
    if src is None or not src.is_file():
        pytest.skip("the Beauty dataset is not available")
    folder = tmp_path_factory.mktemp("data") / "beauty_slice"
    folder.mkdir()
    with open(src, encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(SLICE_USERS)]
    (folder / "interactions.txt").write_text("".join(lines), encoding="utf-8")
    return folder
