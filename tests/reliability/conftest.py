"""The training tests' tiny dataset, SASRec run and GAL-Rec config, and ``galrec`` in a subprocess.

The fixtures come from ``tests/training/conftest.py`` (loaded by path: conftest files are not
importable modules), so both folders train on the same tiny log.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import torch
import yaml

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent


def load_conftest(folder: str) -> ModuleType:
    path = TESTS / folder / "conftest.py"
    spec = importlib.util.spec_from_file_location(f"galrec_tests_{folder}_conftest", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


training = load_conftest("training")
dataset, sasrec_run = training.dataset, training.sasrec_run
tiny_config, write_log = training.tiny_config, training.write_log


@contextlib.contextmanager
def one_thread_torch() -> Iterator[None]:
    """One torch thread for a block (module fixtures start before the per-test ``one_thread``)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def one_thread_env(**extra: str) -> dict[str, str]:
    """The environment of a child ``python``: one thread (as the in-process tests), no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_"))}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", **extra)
    return env


def galrec_cmd(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "galrec", *map(str, args)]


def run_galrec(*args: str | Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        galrec_cmd(*args), check=False, cwd=REPO, env=one_thread_env(**env), capture_output=True, text=True,
        timeout=timeout,
    )


def write_config(path: Path, raw: dict) -> Path:
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``galrec ARGS`` in-process; return (exit status, stdout, stderr)."""

    def run(*args: str | Path) -> tuple[int, str, str]:
        from galrec.cli import main

        status = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return status, out, err

    return run
