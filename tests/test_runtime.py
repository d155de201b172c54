"""The ``galrec`` command's allocator settings and the block size of large matrices."""

from __future__ import annotations

import platform

import pytest

from galrec import runtime


def test_heap_settings_are_applied_where_the_c_library_is_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GALREC_ALLOCATOR", raising=False)
    applied = runtime.tune_allocator()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert applied["mallopt"] == {p: True for p in runtime.SETTINGS}


def test_default_leaves_everything_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GALREC_ALLOCATOR", "default")
    assert runtime.tune_allocator() == {}


def test_blocks_stay_below_the_mmap_threshold() -> None:
    rows = runtime.rows_per_block(12_102)
    assert rows * 12_102 * 4 <= runtime.HEAP_BLOCK_BYTES < runtime.SETTINGS[runtime.M_MMAP_THRESHOLD]
    assert runtime.rows_per_block(10**9) == 1
