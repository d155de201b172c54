"""Process-wide CPU memory settings, applied once by the ``galrec`` command before any work.

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
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

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
