"""Process-wide CPU settings: the allocator, applied once by the ``galrec`` command before any
work, and whether bfloat16 products are worth asking for on this machine.

A training step on the CPU allocates and frees blocks of up to tens of MB (a block of catalogue
logits, a language model's activations). glibc serves a block above its mmap threshold with a
fresh ``mmap`` that the kernel must fault in and zero page by page, then ``munmap``s it on free,
and it hands freed heap back to the kernel as soon as the top of the heap holds twice that
threshold: SASRec's step then took 120,000-180,000 page faults per second. Two things remove it:

- no block of work is larger than ``HEAP_BLOCK_BYTES``: the catalogue cross-entropy and the
  full-ranking pass cut their ``[rows, n_items]`` matrices with ``rows_per_block``;
- ``mallopt``: blocks up to 32 MB come from the heap, which grows 1 GiB at a time (address space;
  pages count only once touched) and keeps up to 1 GiB of freed memory for the next step, instead
  of returning it to the kernel at once.

``mallopt`` acts on later allocations, so unlike environment variables that an allocator reads
when the library loads, it works whenever it is called, also after torch has been imported.
Measured on the 2-core machine (``benchmarks/sasrec_epoch.py``, results/baselines.md): blockwise
loss alone 120,000-150,000 faults/s and 15-20% of the CPU in the kernel; with ``mallopt`` too,
2,000-3,000 faults/s and 1-2%. ``GALREC_ALLOCATOR=default`` leaves the C library's defaults.

bfloat16 (``train.mixed_precision: bf16``, ``train.head_dtype``, the baselines' ``ce_dtype``) is
only fast where the hardware multiplies it: a CPU with AVX-512 BF16 or AMX (5x float32 on the
project's first AMD EPYC), or a GPU that supports it. Elsewhere oneDNN emulates it: on a 2-core
AMD EPYC with AVX2 only (2026-12-03) a [2048 x 64] x [64 x 12,000] product ran at 1.6 GFLOP/s in
bfloat16 against 34 in float32, and a Toys SASRec epoch took 187 s instead of 10 in float32. There
``native_dtype`` turns a requested bfloat16 into float32 and says so once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt parameter numbers
SETTINGS = {M_MMAP_THRESHOLD: 32 << 20, M_TRIM_THRESHOLD: 1 << 30, M_TOP_PAD: 1 << 30}
HEAP_BLOCK_BYTES = 16 << 20  # the largest block of work: half the mmap threshold above


def rows_per_block(n_cols: int, itemsize: int = 4) -> int:
    """Rows of a ``[rows, n_cols]`` matrix that fit in ``HEAP_BLOCK_BYTES`` (at least 1)."""
    return max(1, HEAP_BLOCK_BYTES // (n_cols * itemsize))


def tune_allocator() -> dict[str, object]:
    """Apply the ``mallopt`` settings above (where the C library is glibc); returns what was applied."""
    if os.environ.get("GALREC_ALLOCATOR", "") == "default":
        return {}
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        mallopt = None
    if mallopt is None:  # musl and macOS have no mallopt to call
        return {}
    return {"mallopt": {param: bool(mallopt(param, value)) for param, value in SETTINGS.items()}}


@functools.cache
def bfloat16_is_fast(device_type: str) -> bool:
    """Whether ``device_type`` ("cpu", "cuda", ...) multiplies bfloat16 in hardware; the first
    ``False`` for a device type is reported on stderr."""
    import torch

    if device_type == "cpu":
        names = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private, so probed with getattr
        probes = (getattr(torch.cpu, name, None) for name in names)
        fast = any(probe() for probe in probes if probe is not None)
    elif device_type == "cuda":
        fast = torch.cuda.is_bf16_supported()
    else:
        fast = True  # let the backend decide
    if not fast:
        print(
            f"galrec: this {device_type} has no native bfloat16 products (no AVX-512 BF16 or AMX): "
            "they would be emulated and run many times slower than float32, so float32 is used instead",
            file=sys.stderr,
        )
    return fast


def bfloat16_autocast(wanted: bool, device_type: str) -> torch.autocast:
    """bfloat16 autocast on ``device_type`` when ``wanted`` and native there, else a disabled one."""
    import torch

    return torch.autocast(device_type, dtype=torch.bfloat16, enabled=wanted and bfloat16_is_fast(device_type))


def native_dtype(dtype: torch.dtype, device_type: str) -> torch.dtype:
    """``dtype``, or float32 where it is bfloat16 and ``device_type`` would only emulate it."""
    import torch

    if dtype == torch.bfloat16 and not bfloat16_is_fast(device_type):
        return torch.float32
    return dtype
