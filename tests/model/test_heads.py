"""The projection head's per-call standardisation (METHOD.md, "Why the graph losses sat at chance")."""

from __future__ import annotations

import torch

from galrec.model.heads import ProjectionHead, standardize


def test_standardize_is_zero_mean_unit_variance_over_the_counted_rows() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 5, 4, generator=g) * 7 + 3  # [B, M, P]
    counts = torch.rand(3, 5, generator=g) < 0.6  # [B, M]
    y = standardize(x, counts)
    rows = y[counts]  # [n, P]
    torch.testing.assert_close(rows.mean(0), torch.zeros(4), atol=1e-5, rtol=0)
    torch.testing.assert_close(rows.var(0, unbiased=False), torch.ones(4), atol=1e-3, rtol=0)
    # the other rows are mapped with the same statistics, not their own
    mean, std = x[counts].mean(0), x[counts].var(0, unbiased=False).add(1e-5).sqrt()
    torch.testing.assert_close(y[~counts], (x[~counts] - mean) / std)


def test_a_shift_shared_by_every_row_changes_nothing_and_gets_no_gradient() -> None:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(6, 4, generator=g)
    shift = torch.randn(4, generator=g).requires_grad_()
    y = standardize(x + shift)
    torch.testing.assert_close(y, standardize(x))
    (y * torch.randn(6, 4, generator=g)).sum().backward()
    torch.testing.assert_close(shift.grad, torch.zeros(4), atol=1e-5, rtol=0)


def test_projection_is_unit_norm_and_finite_with_few_counted_rows() -> None:
    proj = ProjectionHead(8, 4)
    h = torch.randn(2, 3, 8)  # [B, M, H]
    one = torch.zeros(2, 3, dtype=torch.bool)
    one[1, 2] = True
    for counts in (None, torch.zeros(2, 3, dtype=torch.bool), one):  # every row, none, a single one
        z = proj(h, counts)
        assert z.shape == (2, 3, 4) and torch.isfinite(z).all()
    z = proj(h.reshape(6, 8))
    torch.testing.assert_close(z.norm(dim=-1), torch.ones(6))
