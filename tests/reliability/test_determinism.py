"""Determinism: the same seed gives the same runs in two fresh interpreters, for pop, SASRec,
LightGCN and GAL-Rec (tiny-random) on the tiny synthetic log.

Fresh interpreters with different hash seeds catch what a second run in the same process
cannot: state left over from the first run, and order that depends on Python's string hashing.
The same-process check of the baselines on a slice of Beauty is
tests/baselines/test_baselines_smoke.py::test_baseline_run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO, one_thread_env, tiny_config, write_config

HELPER = Path(__file__).resolve().parent / "train_every_model.py"


def test_same_seed_same_runs_in_fresh_interpreters(dataset: Path, sasrec_run: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path / "galrec.yaml", tiny_config(dataset, sasrec_run))
    outs = [tmp_path / "first", tmp_path / "second"]
    # both at once: each is single-threaded for most of its time, and the machine has two cores
    procs = [
        subprocess.Popen(
            [sys.executable, HELPER, out, dataset, config],
            cwd=REPO, env=one_thread_env(PYTHONHASHSEED=str(hash_seed)), stderr=subprocess.PIPE, text=True,
        )
        for out, hash_seed in zip(outs, (1, 2), strict=True)
    ]
    errors = [p.communicate(timeout=180)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    first, second = (json.loads((out / "summary.json").read_text()) for out in outs)
    assert set(first) == {"pop", "sasrec", "lightgcn", "galrec"}
    for model in first:
        a, b = first[model], second[model]
        assert a["metrics"] == b["metrics"], model
        assert a["ranks"] == b["ranks"], model
        assert a["log"] == b["log"], model
        assert a["weights"] == b["weights"], model
        assert len(a["ranks"].splitlines()) == 41  # every user ranked: the runs did happen
    assert len([r for r in first["galrec"]["log"] if "loss" in r]) == 8
    assert [r["epoch"] for r in first["sasrec"]["log"]] == [1, 2]
