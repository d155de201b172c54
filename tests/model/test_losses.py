"""InfoNCE with queue negatives against a direct computation, and its masking rules."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from galrec.model.losses import catalogue_cross_entropy, info_nce


def reference(anchor, positive, tau, valid, pos_ids, queue, blocked):
    """One row at a time, straight from the formula."""
    total, rows = 0.0, 0
    for b in range(len(anchor)):
        if not valid[b]:
            continue
        a = F.normalize(anchor[b], dim=0)
        num = math.exp(float(a @ F.normalize(positive[b], dim=0)) / tau)
        den = num
        for c in range(len(anchor)):
            if c != b and valid[c] and pos_ids[c] != pos_ids[b]:
                den += math.exp(float(a @ F.normalize(positive[c], dim=0)) / tau)
        for k in range(len(queue)):
            if not blocked[b, k]:
                den += math.exp(float(a @ queue[k]) / tau)
        total += -math.log(num / den)
        rows += 1
    return total / rows


def test_info_nce_matches_the_formula() -> None:
    g = torch.Generator().manual_seed(0)
    anchor, positive = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    queue = F.normalize(torch.randn(6, 4, generator=g), dim=1)
    valid = torch.tensor([True, True, False, True, True])
    pos_ids = torch.tensor([1, 2, 3, 2, 5])  # rows 1 and 3 share a positive node
    blocked = torch.rand(5, 6, generator=g) < 0.3
    got = info_nce(anchor, positive, 0.2, valid, pos_ids, queue, blocked)
    assert math.isclose(
        float(got), reference(anchor, positive, 0.2, valid, pos_ids, queue, blocked), rel_tol=1e-5
    )


def test_in_batch_only_when_the_queue_is_empty() -> None:
    anchor = positive = torch.eye(3)
    got = info_nce(
        anchor,
        positive,
        1.0,
        torch.ones(3, dtype=torch.bool),
        torch.arange(3),
        torch.zeros(0, 3),
        torch.zeros(3, 0, dtype=torch.bool),
    )
    expected = -math.log(math.e / (math.e + 2.0))  # cos 1 with itself, 0 with the other two
    assert math.isclose(float(got), expected, rel_tol=1e-6)


def test_no_valid_row_gives_zero_with_a_gradient() -> None:
    anchor = torch.randn(2, 3, requires_grad=True)
    got = info_nce(
        anchor,
        torch.randn(2, 3),
        0.1,
        torch.zeros(2, dtype=torch.bool),
        torch.arange(2),
        torch.zeros(0, 3),
        torch.zeros(2, 0, dtype=torch.bool),
    )
    got.backward()
    assert float(got.detach()) == 0.0 and anchor.grad is not None and not anchor.grad.isnan().any()


def test_catalogue_cross_entropy_excludes_padding() -> None:
    logits = torch.tensor([[100.0, 0.0, 1.0]])  # a huge padding score must not matter
    got = catalogue_cross_entropy(logits, torch.tensor([2]))
    assert math.isclose(float(got), -math.log(math.e / (1 + math.e)), rel_tol=1e-6)
