"""BSARec's frequency branch against a slow reference, and causality of the whole encoder."""

from __future__ import annotations

import pytest
import torch

from galrec.baselines.bsarec import BSARec, FilterOriginalBlock, causal_lowpass, lowpass_kernel, lowpass_matrix, window_lowpass
from galrec.baselines.configs import BSARecConfig, SASRecConfig
from galrec.baselines.sasrec import SASRec
from galrec.errors import GalrecError


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


def _open_the_filter(model: BSARec) -> None:
    """β = 1 passes the input through the filter unchanged; halve it so the low band shows."""
    for block in model.blocks:
        block.sqrt_beta.data.fill_(0.5)


def test_causal_lowpass_equals_the_windowed_fft_reference() -> None:
    torch.manual_seed(0)
    for n, c, T in ((8, 3, 8), (6, 5, 11), (10, 1, 4)):
        x = torch.randn(2, T, 3, dtype=torch.float64)
        fast = causal_lowpass(x, lowpass_kernel(n, c).double())
        assert torch.allclose(fast, slow_lowpass(x, n, c), atol=1e-6)


def test_keeping_every_frequency_is_the_identity() -> None:
    x = torch.randn(1, 7, 2)
    assert torch.allclose(causal_lowpass(x, lowpass_kernel(7, 2 * 7)), x, atol=1e-5)


SEQ = torch.tensor([[0, 0, 3, 7, 1, 9, 4, 2]])


def _assert_causal(model: BSARec) -> None:
    """Changing the items from position 5 on changes no output before it, and the outputs after it."""
    changed = SEQ.clone()
    changed[0, 5:] = torch.tensor([11, 12, 13])
    a, b = model.encode(SEQ), model.encode(changed)  # [1, 8, d]
    assert torch.allclose(a[:, :5], b[:, :5], atol=1e-6)
    assert not torch.allclose(a[:, 5:], b[:, 5:], atol=1e-3)


def test_no_position_sees_a_later_item() -> None:
    torch.manual_seed(0)
    model = BSARec(n_items=30, max_len=8, cfg=BSARecConfig(hidden=16, heads=2, inner=32)).eval()
    _open_the_filter(model)
    _assert_causal(model)


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


def test_window_lowpass_equals_the_fft_of_the_zero_padded_window() -> None:
    torch.manual_seed(0)
    n, c = 8, 3
    for T in (8, 5):
        x = torch.randn(2, T, 3, dtype=torch.float64)
        window = torch.cat([torch.zeros(2, n - T, 3, dtype=torch.float64), x], dim=1)  # [2, n, 3] left zeros
        spec = torch.fft.rfft(window, dim=1, norm="ortho")
        spec[:, c // 2 + 1 :] = 0
        slow = torch.fft.irfft(spec, n=n, dim=1, norm="ortho")[:, n - T :]
        assert torch.allclose(window_lowpass(x, lowpass_matrix(n, c).double()), slow, atol=1e-6)


def test_window_filter_sees_later_items_and_needs_prefix_samples() -> None:
    torch.manual_seed(0)
    cfg = BSARecConfig(hidden=16, heads=2, inner=32, filter="window", samples="prefixes", positions="from_last")
    model = BSARec(n_items=30, max_len=8, cfg=cfg).eval()
    _open_the_filter(model)
    seq = torch.tensor([[0, 0, 3, 7, 1, 9, 4, 2]])
    changed = seq.clone()
    changed[0, 5:] = torch.tensor([11, 12, 13])
    assert not torch.allclose(model.encode(seq)[:, :5], model.encode(changed)[:, :5], atol=1e-4)
    with pytest.raises(GalrecError, match="bsarec.filter"):
        BSARecConfig(filter="window")


def test_embedding_norm_makes_the_encoder_blind_to_the_embedding_scale() -> None:
    seq = torch.tensor([[0, 0, 3, 7, 1, 9, 4, 2]])
    for emb_norm in (True, False):
        torch.manual_seed(0)
        model = BSARec(n_items=30, max_len=8, cfg=BSARecConfig(hidden=16, inner=32, emb_norm=emb_norm)).eval()
        with torch.no_grad():
            model.item_emb.weight.mul_(50.0)  # large enough for attention to be far from uniform
            model.pos_emb.weight.mul_(50.0)
        before = model.encode(seq)
        with torch.no_grad():
            model.item_emb.weight.mul_(4.0)
            model.pos_emb.weight.mul_(4.0)
        assert torch.allclose(before, model.encode(seq), atol=1e-4) == emb_norm


def test_beta_init_randn_draws_the_high_band_scale() -> None:
    torch.manual_seed(0)
    drawn = BSARec(n_items=30, max_len=8, cfg=BSARecConfig(hidden=16, inner=32, beta_init="randn"))
    ones = BSARec(n_items=30, max_len=8, cfg=BSARecConfig(hidden=16, inner=32))
    assert all(torch.equal(b.sqrt_beta, torch.ones(16)) for b in ones.blocks)
    assert not torch.equal(drawn.blocks[0].sqrt_beta, drawn.blocks[1].sqrt_beta)


def test_the_filter_in_sasrecs_block_is_causal_and_without_it_is_sasrec() -> None:
    torch.manual_seed(0)
    sizes = dict(hidden=16, heads=2, inner=32, block="original", attn_residual="raw", positions="from_last")
    model = BSARec(n_items=30, max_len=8, cfg=BSARecConfig(**sizes)).eval()
    assert all(isinstance(b, FilterOriginalBlock) for b in model.blocks)
    _open_the_filter(model)
    _assert_causal(model)
    # α = 0: the attention alone, i.e. SASRec's block with the same weights
    attention_only = BSARec(n_items=30, max_len=8, cfg=BSARecConfig(**sizes, alpha=0.0)).eval()
    attention_only.load_state_dict(model.state_dict())
    sasrec = SASRec(n_items=30, max_len=8, cfg=SASRecConfig(**sizes)).eval()
    sasrec.load_state_dict(model.state_dict(), strict=False)  # everything but the filter's β
    assert torch.allclose(attention_only.encode(SEQ), sasrec.encode(SEQ), atol=1e-6)
    assert not torch.allclose(model.encode(SEQ), sasrec.encode(SEQ), atol=1e-3)
