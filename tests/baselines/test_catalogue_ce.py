"""The blockwise catalogue cross-entropy equals the plain one in value and gradient."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from galrec.baselines.catalogue_ce import catalogue_cross_entropy


@pytest.mark.parametrize("chunk", [1, 7, 64, None])
def test_equals_plain_cross_entropy_in_value_and_gradient(chunk: int | None) -> None:
    g = torch.Generator().manual_seed(0)
    h = torch.randn(50, 16, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn(301, 16, generator=g, dtype=torch.float64, requires_grad=True)
    t = torch.randint(0, 301, (50,), generator=g)
    plain = F.cross_entropy(h @ w.T, t)
    gh, gw = torch.autograd.grad(plain * 3.0, (h, w))
    ours = catalogue_cross_entropy(h, w, t, chunk)
    oh, ow = torch.autograd.grad(ours * 3.0, (h, w))
    assert abs(ours.item() - plain.item()) < 1e-6
    assert torch.allclose(oh, gh, atol=1e-6) and torch.allclose(ow, gw, atol=1e-6)


def test_float32_gradients_flow_to_a_parameter_slice() -> None:
    emb = torch.nn.Embedding(41, 8)
    h = torch.randn(30, 8, requires_grad=True)
    t = torch.randint(0, 40, (30,))
    catalogue_cross_entropy(h, emb.weight[1:], t, chunk=4).backward()
    ref_emb = torch.nn.Embedding(41, 8)
    ref_emb.load_state_dict(emb.state_dict())
    h2 = h.detach().clone().requires_grad_()
    F.cross_entropy(h2 @ ref_emb.weight[1:].T, t).backward()
    assert emb.weight.grad[0].abs().max() == 0  # the padding row is not a class
    assert torch.allclose(emb.weight.grad, ref_emb.weight.grad, atol=1e-6)
    assert torch.allclose(h.grad, h2.grad, atol=1e-6)


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="rows"):
        catalogue_cross_entropy(torch.randn(3, 4), torch.randn(5, 4), torch.zeros(2, dtype=torch.long))


def test_bfloat16_products_stay_close_to_the_float32_loss() -> None:
    g = torch.Generator().manual_seed(1)
    h = (0.3 * torch.randn(64, 32, generator=g)).requires_grad_()
    w = (0.3 * torch.randn(500, 32, generator=g)).requires_grad_()
    t = torch.randint(0, 500, (64,), generator=g)
    plain = F.cross_entropy(h @ w.T, t)
    gh, gw = torch.autograd.grad(plain, (h, w))
    low = catalogue_cross_entropy(h, w, t, 16, torch.bfloat16)
    lh, lw = torch.autograd.grad(low, (h, w))
    assert low.dtype == torch.float32 and abs(low.item() - plain.item()) < 1e-2
    for ours, ref in ((lh, gh), (lw, gw)):
        assert (ours - ref).norm() < 0.02 * ref.norm()
