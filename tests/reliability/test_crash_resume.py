"""Crash safety: ``galrec train`` killed by SIGKILL (at a random step, or inside a checkpoint
write) and resumed ends with the metrics of an uninterrupted run with the same seed.

The killed run is a real ``python -m galrec train`` subprocess on one thread; the uninterrupted
run and the resumes run in-process on one thread too (the ``one_thread`` fixture), so all of
them do the same arithmetic. Where the kill lands varies with the machine's load; the outcome
does not.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from galrec.cli import main
from galrec.training import rundir
from galrec.training.checkpoint import load_checkpoint

from .conftest import REPO, galrec_cmd, one_thread_env, one_thread_torch, tiny_config, write_config

HERE = Path(__file__).resolve().parent
STEPS_PER_EPOCH, EPOCHS, CHECKPOINT_EVERY = 12, 2, 2


@pytest.fixture(scope="module")
def config(dataset: Path, sasrec_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tiny_config(
        dataset, sasrec_run, samples_per_epoch=4 * STEPS_PER_EPOCH, max_epochs=EPOCHS,
        checkpoint_every=CHECKPOINT_EVERY,
    )
    return write_config(tmp_path_factory.mktemp("crash") / "config.yaml", raw)


@pytest.fixture(scope="module")
def uninterrupted(config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("whole") / "run"
    with one_thread_torch():  # a module fixture starts before the per-test one_thread
        assert main(["train", "--config", str(config), "--out", str(run), "--quiet"]) == 0
    return run


def train_records(run: Path) -> list[dict]:
    """Complete log lines without the wall-clock rate (a line being written when killed is cut)."""
    records = []
    for line in (run / rundir.LOG).read_text().splitlines():
        try:
            records.append({k: v for k, v in json.loads(line).items() if k not in ("samples_per_s", "targets_per_s")})
        except json.JSONDecodeError:
            break
    return records


def assert_same_run(resumed: Path, whole: Path) -> None:
    a = json.loads((whole / "metrics.json").read_text())
    b = json.loads((resumed / "metrics.json").read_text())
    for split in ("valid", "test"):
        assert b[split] == pytest.approx(a[split], abs=1e-6), split
    log_a, log_b = train_records(whole), train_records(resumed)
    assert [r["step"] for r in log_b] == [r["step"] for r in log_a]
    for ra, rb in zip(log_a, log_b, strict=True):
        assert rb == pytest.approx(ra, abs=1e-6)


def resume(run: Path) -> None:
    assert main(["train", "--resume", str(run), "--quiet"]) == 0


def test_sigkill_at_a_random_step_then_resume(config: Path, uninterrupted: Path, tmp_path: Path) -> None:
    # a step of the first epoch after the first checkpoint (the run is far from done when killed),
    # and a moment within the next step (about 50 ms each here), so the kill may cut a write
    rng = random.Random(7)
    target, delay = rng.randint(CHECKPOINT_EVERY + 1, STEPS_PER_EPOCH), rng.uniform(0, 0.05)
    run = tmp_path / "run"
    log = tmp_path / "stderr.txt"  # a file: a pipe nobody reads could fill and block the child
    with open(log, "w") as stderr:
        proc = subprocess.Popen(
            galrec_cmd("train", "--config", config, "--out", run, "--quiet"),
            cwd=REPO, env=one_thread_env(), stdout=subprocess.DEVNULL, stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                if (run / rundir.LOG).is_file() and len(train_records(run)) >= target:
                    break
                time.sleep(0.005)
            time.sleep(delay)
            assert proc.poll() is None, f"training ended before the kill: {log.read_text()}"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    killed_at = len(train_records(run))
    assert killed_at >= target and not (run / "metrics.json").exists()
    # whatever the kill interrupted, the checkpoint left behind loads
    position = load_checkpoint(run / rundir.CHECKPOINT)["position"]
    assert CHECKPOINT_EVERY <= position["global_step"] <= killed_at

    resume(run)
    assert_same_run(run, uninterrupted)


@pytest.mark.parametrize(
    ("moment", "left_at_step"),
    [
        ("half-written", 2 * CHECKPOINT_EVERY),  # the third checkpoint (step 6) is cut: step 4's stays
        ("before-rename", 2 * CHECKPOINT_EVERY),
        ("test-pass", EPOCHS * STEPS_PER_EPOCH),  # training done, metrics not yet written
    ],
)
def test_sigkill_inside_a_write_or_the_test_pass(
    moment: str, left_at_step: int, config: Path, uninterrupted: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    die_at = [sys.executable, HERE / "die_in_save.py", moment, "3"]  # "3": the third checkpoint write
    proc = subprocess.run(
        [*die_at, "train", "--config", config, "--out", run, "--quiet"],
        check=False, cwd=REPO, env=one_thread_env(), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (run / (rundir.CHECKPOINT + ".tmp")).is_file() == (moment != "test-pass")  # the cut write
    assert load_checkpoint(run / rundir.CHECKPOINT)["position"]["global_step"] == left_at_step
    assert not (run / "metrics.json").exists()

    resume(run)
    assert_same_run(run, uninterrupted)
