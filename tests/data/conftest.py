"""Shared helpers for the data-layer tests: an isolated cache and an in-process CLI call."""

from __future__ import annotations

import pytest

from galrec.cli import main


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Keep every test away from the real user cache (fetch writes there by default)."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GALREC_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def cli(capsys):
    """Run ``galrec ARGS`` in-process; return (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run
