"""BSARec's frequency branch against a slow reference, and causality of the whole encoder."""

from __future__ import annotations

import torch

from galrec.baselines.bsarec import BSARec, causal_lowpass, lowpass_kernel
from galrec.baselines.configs import BSARecConfig


def slow_lowpass(x: torch.Tensor, n: int, c: int) -> torch.Tensor:
    """For each position t: zero-pad the n positions ending at t, FFT, drop the high band, inverse,
    take the last point (the paper's filter, read at the window's last item). x [B, T, d]"""
    B, T, d = x.shape
    out = torch.empty_like(x)
    for t in range(T):
        window = torch.zeros(B, n, d, dtype=x.dtype)
        take = min(n, t + 1)
        window[:, n - take :] = x[:, t + 1 - take : t + 1]
        spec = torch.fft.rfft(window, dim=1, norm="ortho")
        spec[:, c // 2 + 1 :] = 0
        out[:, t] = torch.fft.irfft(spec, n=n, dim=1, norm="ortho")[:, -1]
    return out


def test_causal_lowpass_equals_the_windowed_fft_reference() -> None:
    torch.manual_seed(0)
    for n, c, T in ((8, 3, 8), (6, 5, 11), (10, 1, 4)):
        x = torch.randn(2, T, 3, dtype=torch.float64)
        fast = causal_lowpass(x, lowpass_kernel(n, c).double())
        assert torch.allclose(fast, slow_lowpass(x, n, c), atol=1e-6)


def test_keeping_every_frequency_is_the_identity() -> None:
    x = torch.randn(1, 7, 2)
    assert torch.allclose(causal_lowpass(x, lowpass_kernel(7, 2 * 7)), x, atol=1e-5)


def test_no_position_sees_a_later_item() -> None:
    torch.manual_seed(0)
    model = BSARec(n_items=30, max_len=8, cfg=BSARecConfig(hidden=16, heads=2, inner=32)).eval()
    seq = torch.tensor([[0, 0, 3, 7, 1, 9, 4, 2]])
    changed = seq.clone()
    changed[0, 5:] = torch.tensor([11, 12, 13])
    a, b = model.encode(seq), model.encode(changed)  # [1, 8, 16]
    assert torch.allclose(a[:, :5], b[:, :5], atol=1e-6)
    assert not torch.allclose(a[:, 5:], b[:, 5:], atol=1e-3)


def test_training_step_reduces_the_loss() -> None:
    torch.manual_seed(0)
    model = BSARec(n_items=20, max_len=6, cfg=BSARecConfig(hidden=16, inner=32, dropout=0.0, attn_dropout=0.0))
    batch = {"input": torch.tensor([[0, 1, 2, 3, 4, 5], [0, 0, 6, 7, 8, 9]]),
             "target": torch.tensor([[0, 2, 3, 4, 5, 6], [0, 0, 7, 8, 9, 10]])}
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = model.calculate_loss(batch).item()
    for _ in range(30):
        opt.zero_grad()
        model.calculate_loss(batch).backward()
        opt.step()
    assert model.calculate_loss(batch).item() < 0.5 * first
