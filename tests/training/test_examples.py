"""Prefix examples, epoch shares, collation and the learning-rate schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from galrec.data.sequences import Sequences
from galrec.training.examples import PrefixExamples
from galrec.schedules import MIN_LR_FRACTION, warmup_cosine
from galrec.training.schedule import make_optimizer

ROWS = [[], [5, 6, 7], [8], [1, 2, 3, 4]]  # user 2 has one item: no example


def test_all_prefixes_against_a_loop() -> None:
    ex = PrefixExamples(Sequences.from_lists(ROWS), "all_prefixes")
    expected = [(u, row[:t], row[t]) for u, row in enumerate(ROWS) for t in range(1, len(row))]
    assert len(ex) == len(expected)
    hist = ex.histories(np.arange(len(ex)), 2)  # [E, 2]
    for e, (u, prefix, target) in enumerate(expected):
        assert ex.users[e] == u and ex.targets(np.array([e]))[0] == target
        assert hist[e].tolist() == ([0, 0] + prefix)[-2:]  # most recent two, left padded


def test_last_only() -> None:
    ex = PrefixExamples(Sequences.from_lists(ROWS), "last")
    assert ex.users.tolist() == [1, 3] and ex.targets(np.arange(2)).tolist() == [7, 4]
    assert ex.histories(np.arange(2), 4).tolist() == [[0, 0, 5, 6], [0, 1, 2, 3]]


def test_epoch_shares_are_seeded_capped_and_equal_across_processes() -> None:
    ex = PrefixExamples(Sequences.from_lists([[], *[[1, 2, 3, 4, 5]] * 10]), "all_prefixes")  # 40 examples
    assert (ex.epoch_share(0, 1, 0) == ex.epoch_share(0, 1, 0)).all()
    assert not (ex.epoch_share(0, 1, 0) == ex.epoch_share(0, 2, 0)).all()
    assert len(ex.epoch_share(0, 0, 25)) == 25
    shares = [ex.epoch_share(0, 0, 25, rank, 3) for rank in range(3)]
    assert [len(s) for s in shares] == [9, 9, 9]  # 25 padded to 27 by repetition
    assert set(np.concatenate(shares)) == set(ex.epoch_share(0, 0, 25))


def test_warmup_then_cosine() -> None:
    assert warmup_cosine(0, 4, 20) == pytest.approx(0.25)
    assert warmup_cosine(3, 4, 20) == pytest.approx(1.0)
    assert warmup_cosine(4, 4, 20) == pytest.approx(1.0)
    assert warmup_cosine(12, 4, 20) == pytest.approx(MIN_LR_FRACTION + (1 - MIN_LR_FRACTION) * 0.5)
    assert warmup_cosine(20, 4, 20) == pytest.approx(MIN_LR_FRACTION)
    assert warmup_cosine(0, 0, 10) == pytest.approx(1.0)


def test_optimizer_groups_decay_matrices_only() -> None:
    from galrec.config import TrainConfig

    w, b, head = (
        torch.nn.Parameter(torch.zeros(2, 2)),
        torch.nn.Parameter(torch.zeros(2)),
        torch.nn.Parameter(torch.zeros(3, 2)),
    )
    opt = make_optimizer([w, b], [head], TrainConfig(lr=1e-4, head_lr=1e-2, weight_decay=0.1))
    got = [(len(g["params"]), g["lr"], g["weight_decay"]) for g in opt.param_groups]
    assert got == [(1, 1e-4, 0.1), (1, 1e-4, 0.0), (1, 1e-2, 0.1)]
    assert math.isclose(opt.param_groups[2]["lr"], 1e-2)
