"""The README's Python example runs as written, on the tiny SASRec run of this folder's conftest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_readme_has_one_python_example() -> None:
    assert len(python_blocks(README.read_text(encoding="utf-8"))) == 1


def test_the_readme_python_example_runs(sasrec_run: Path, tiny_dataset: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (block,) = python_blocks(README.read_text(encoding="utf-8"))
    exec(compile(block, str(README), "exec"), {"RUN_DIR": sasrec_run, "DATASET": str(tiny_dataset), "OUT": tmp_path})
    out = capsys.readouterr().out
    assert "'users': 60" in out  # the dataset's stats were printed
    assert (tmp_path / "pop" / "metrics.json").is_file()
