"""Run ``galrec ARGS`` but die by SIGKILL at a chosen moment of ``galrec train`` (a test helper).

    python die_in_save.py MOMENT N ARGS...

MOMENT ``half-written``: half of the Nth checkpoint's bytes are on disk in the temporary file;
``before-rename``: the Nth checkpoint's temporary file is complete and synced, not yet renamed;
``test-pass``: training has finished (its last checkpoint written) and the test pass has begun.
"""

from __future__ import annotations

import io
import os
import signal
import sys

import torch

from galrec.cli import main
from galrec.training import run
from galrec.training.rundir import CHECKPOINT

moment, nth, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
writes = 0
real_save, real_replace, real_evaluate = torch.save, os.replace, run.evaluate_split


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def save(obj, f, *a, **kw):
    global writes
    if getattr(f, "name", "").endswith(CHECKPOINT + ".tmp"):
        writes += 1
        if moment == "half-written" and writes == nth:
            buf = io.BytesIO()
            real_save(obj, buf, *a, **kw)
            f.write(buf.getvalue()[: buf.tell() // 2])
            f.flush()
            os.fsync(f.fileno())
            die()
    return real_save(obj, f, *a, **kw)


def replace(src, dst, *a, **kw):
    if moment == "before-rename" and str(dst).endswith(CHECKPOINT) and writes == nth:
        die()
    return real_replace(src, dst, *a, **kw)


def evaluate_split(parts, model, split, *a, **kw):
    if moment == "test-pass" and split == "test":
        die()
    return real_evaluate(parts, model, split, *a, **kw)


assert moment in ("half-written", "before-rename", "test-pass"), moment
torch.save, os.replace, run.evaluate_split = save, replace, evaluate_split
sys.exit(main(args))
