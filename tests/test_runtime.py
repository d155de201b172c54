"""The ``galrec`` command's allocator settings."""

from __future__ import annotations

import os
import platform

import pytest

from galrec import runtime


def test_settings_are_applied_and_an_explicit_thp_choice_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GALREC_ALLOCATOR", raising=False)
    monkeypatch.setenv("THP_MEM_ALLOC_ENABLE", "0")
    applied = runtime.tune_allocator()
    assert applied["THP_MEM_ALLOC_ENABLE"] == "0"
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert applied["mallopt"] == {p: True for p in runtime.SETTINGS}


def test_default_leaves_everything_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GALREC_ALLOCATOR", "default")
    monkeypatch.delenv("THP_MEM_ALLOC_ENABLE", raising=False)
    assert runtime.tune_allocator() == {}
    assert "THP_MEM_ALLOC_ENABLE" not in os.environ
