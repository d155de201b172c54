"""A run killed between checkpoints and resumed takes exactly the steps of an uninterrupted run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from galrec.config import GalRecConfig
from galrec.typed_config import from_dict
from galrec.errors import GalrecError
from galrec.training.loop import Trainer
from galrec.training.run import train_galrec


def steps(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]


def test_resume_continues_exactly(dataset, sasrec_run, make_config, tmp_path, monkeypatch) -> None:
    # 6 steps in one epoch; checkpoints after steps 2 and 4; the crash comes during step 4
    cfg = from_dict(GalRecConfig, make_config(dataset, sasrec_run, samples_per_epoch=24, max_epochs=1))
    whole = train_galrec(cfg, tmp_path / "whole", progress=False)

    real_step, calls = Trainer.train_step, []

    def crashing_step(self, *args):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("killed")
        return real_step(self, *args)

    monkeypatch.setattr(Trainer, "train_step", crashing_step)
    with pytest.raises(RuntimeError, match="killed"):
        train_galrec(cfg, tmp_path / "resumed", progress=False)
    monkeypatch.setattr(Trainer, "train_step", real_step)
    assert [r["step"] for r in steps(tmp_path / "resumed")] == [1, 2, 3]  # step 3 came after the checkpoint

    resumed = train_galrec(None, tmp_path / "resumed", resume=True, progress=False)
    a, b = steps(tmp_path / "whole"), steps(tmp_path / "resumed")
    assert [r["step"] for r in b] == [r["step"] for r in a]
    for ra, rb in zip(a, b, strict=True):
        rates = ("samples_per_s", "targets_per_s")
        assert {k: v for k, v in ra.items() if k not in rates} == {k: v for k, v in rb.items() if k not in rates}
    assert resumed["test"] == whole["test"] and resumed["valid"] == whole["valid"]

    with pytest.raises(GalrecError, match="finished training"):
        train_galrec(None, tmp_path / "resumed", resume=True, progress=False)
    with pytest.raises(GalrecError, match="already holds a GAL-Rec run"):
        train_galrec(cfg, tmp_path / "whole", progress=False)
