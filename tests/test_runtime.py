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


def test_bfloat16_is_kept_where_native_and_float32_where_emulated(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(runtime, "bfloat16_is_fast", lambda device_type: device_type == "cuda")
    assert runtime.native_dtype(torch.bfloat16, "cpu") == torch.float32
    assert runtime.native_dtype(torch.bfloat16, "cuda") == torch.bfloat16
    assert runtime.native_dtype(torch.float16, "cpu") == torch.float16  # only bfloat16 is replaced


def test_the_cpu_probe_answers_once_and_reports_a_missing_unit(capsys: pytest.CaptureFixture[str]) -> None:
    runtime.bfloat16_is_fast.cache_clear()
    fast = runtime.bfloat16_is_fast("cpu")
    assert isinstance(fast, bool)
    assert ("no native bfloat16" in capsys.readouterr().err) != fast
    runtime.bfloat16_is_fast("cpu")
    assert capsys.readouterr().err == ""  # said once per process


def test_emulated_bfloat16_leaves_autocast_and_the_sasrec_loss_in_float32(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    from galrec.baselines.configs import SASRecConfig
    from galrec.baselines.sasrec import SASRec
    from galrec.training import precision

    monkeypatch.setattr(runtime, "bfloat16_is_fast", lambda device_type: False)
    with precision.autocast("bf16", "cpu"):
        assert not torch.is_autocast_enabled("cpu")
    torch.manual_seed(0)
    batch = {"input": torch.randint(1, 30, (4, 6)), "target": torch.randint(1, 30, (4, 6))}
    low, exact = SASRec(29, 6, SASRecConfig(ce_dtype="bfloat16")), SASRec(29, 6, SASRecConfig())
    exact.load_state_dict(low.state_dict())
    low.eval(), exact.eval()
    assert torch.equal(low.calculate_loss(batch), exact.calculate_loss(batch))
