"""BSARec: beyond self-attention (Shin et al., AAAI 2024), SASRec's blocks with a frequency branch.

Each block's token mixing is a weighted sum of self-attention and a fixed filter of the sequence
in the frequency domain:

    low(x)  = irfft(rfft(x) with every frequency from c//2 + 1 on set to zero)    over time
    filt(x) = low(x) + β² ⊙ (x - low(x))                 (β [d] learned: rescales the high band)
    h       = α · LN(x + drop(filt(x))) + (1 - α) · LN(x + drop(attn(x)))
    x      <- LN(h + drop(FFN(h)))

The paper trains on prefixes, one next item per prefix at its last position, and filters each
prefix over a window of ``max_len`` positions ending at that last item. To train every position
of a sequence in one causal pass (as SASRec here does), each position is filtered over the
window of ``max_len`` positions ending at it, zero before the sequence starts: that is the
paper's last-position output made causal, and a causal convolution with the kernel
``g[k] = L[N-1, N-1-k]`` where ``L`` is the low-pass operator on ``N = max_len`` points. Two
differences from the published code follow: its earlier positions see later ones through the
filter and ours do not, and its padding positions carry embeddings into the filter where ours
carry zeros. Blocks are post-LayerNorm, as in the paper's code.

``block: original`` puts the same filter branch into SASRec's block of the paper's code instead
(``FilterOriginalBlock``, with ``attn_residual`` as SASRec has it), the block that brought our
SASRec to its published level (results/baselines.md):

    q = LN1(x);  a = x + Attn(q, x);  f = x + drop(filt(x));  y = LN2(α · f + (1 - α) · a);  x = y + FFN(y)

``filter: window`` with ``samples: prefixes`` is the published form instead: every prefix is a
left-padded window of ``max_len`` positions filtered as a whole (zeros, not padding embeddings,
before the sequence starts), and only its last position carries a target. The published code
also normalises the item + position embeddings (``emb_norm: true``) and draws the high-band scale
from N(0, 1) (``beta_init: randn``); results/baselines.md measures what each of these changes.
"""

from __future__ import annotations

import torch
from torch import nn

from galrec.baselines.configs import BSARecConfig
from galrec.baselines.sasrec import CausalBlock, OriginalBlock, SASRec


def lowpass_matrix(n: int, c: int) -> torch.Tensor:
    """The low-pass operator on an n-point window, ``low [n, n]``: ``low(x)_t = Σ_s low[t, s] x_s``."""
    keep = c // 2 + 1  # frequencies kept, as in the paper's code
    spectrum = torch.fft.rfft(torch.eye(n, dtype=torch.float64), dim=0, norm="ortho")  # [n//2 + 1, n]
    spectrum[keep:] = 0
    return torch.fft.irfft(spectrum, n=n, dim=0, norm="ortho").float()  # [n, n]: output t, input s


def lowpass_kernel(n: int, c: int) -> torch.Tensor:
    """Causal kernel ``g [n]``: ``low(x)_t = Σ_k g[k] x_{t-k}`` for the last point of an n-point window."""
    return lowpass_matrix(n, c)[n - 1].flip(0)  # g[k] = low[n-1, n-1-k]


def window_lowpass(x: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
    """x [B, T, d] right-aligned in an N-point window (zeros where there is no item), low [N, N]
    -> the whole window low-passed [B, T, d]; the N - T positions cut off on the left are zeros."""
    T = x.shape[1]
    return torch.einsum("ts,bsd->btd", low[-T:, -T:].to(x.dtype), x)


def causal_lowpass(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """x [B, T, d] (zeros where there is no item), kernel [N] -> low-passed x [B, T, d], causal."""
    T, N = x.shape[1], kernel.shape[0]
    lag = torch.arange(T, device=x.device)[:, None] - torch.arange(T, device=x.device)[None, :]  # [T, T] t - s
    taps = kernel[lag.clamp(0, N - 1)] * ((lag >= 0) & (lag < N))  # [T, T] Toeplitz, lower triangular
    return torch.einsum("ts,bsd->btd", taps.to(x.dtype), x)


class FrequencyBranch:
    """The filter branch's parameters and ``filtered``, for a block that also has self-attention."""

    def add_filter(self, d: int, cfg: BSARecConfig, max_len: int) -> None:
        self.alpha, self.window = cfg.alpha, cfg.filter == "window"
        beta = torch.ones(d) if cfg.beta_init == "ones" else torch.randn(d)  # ones: the filter starts as the identity
        self.sqrt_beta = nn.Parameter(beta)
        low = lowpass_matrix(max_len, cfg.c) if self.window else lowpass_kernel(max_len, cfg.c)  # [N, N] or [N]
        self.register_buffer("low", low, persistent=False)

    def filtered(self, x: torch.Tensor) -> torch.Tensor:
        """filt(x) = low(x) + β² ⊙ (x - low(x)) of x [B, T, d] (zeros at padding). [B, T, d]"""
        low = window_lowpass(x, self.low) if self.window else causal_lowpass(x, self.low)
        return low + self.sqrt_beta**2 * (x - low)


class FilterMixBlock(CausalBlock, FrequencyBranch):
    """A post-LayerNorm block whose token mixing is α · frequency filter + (1 - α) · self-attention."""

    def __init__(self, d: int, cfg: BSARecConfig, max_len: int) -> None:
        super().__init__(d, cfg.heads, cfg.inner, cfg.dropout, cfg.attn_dropout)
        self.add_filter(d, cfg, max_len)
        self.ln_filter = nn.LayerNorm(d)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        x = x * real[..., None]  # [B, T, d], padding out of the filter
        dsp = self.ln_filter(x + self.drop(self.filtered(x)))  # [B, T, d] the filter branch
        gsp = self.ln1(x + self.mix(x, allowed, real))  # [B, T, d] the attention branch
        h = self.alpha * dsp + (1 - self.alpha) * gsp
        return self.ln2(h + self.drop(self.ffn(h)))


class FilterOriginalBlock(OriginalBlock, FrequencyBranch):
    """SASRec's block of the paper's code with the filter branch beside its attention (``block: original``)."""

    def __init__(self, d: int, cfg: BSARecConfig, max_len: int) -> None:
        super().__init__(d, cfg.heads, cfg.inner, cfg.dropout, cfg.attn_dropout, cfg.attn_residual == "raw")
        self.add_filter(d, cfg, max_len)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        x = x * real[..., None]  # [B, T, d], padding out of the filter
        q_in = self.ln1(x)  # [B, T, d]
        attn = (x if self.raw_residual else q_in) + self.attend(q_in, x, allowed)
        filt = x + self.drop(self.filtered(x))
        y = self.ln2(self.alpha * filt + (1 - self.alpha) * attn)
        return (y + self.drop(self.ffn(y))) * real[..., None]


class BSARec(SASRec):
    def __init__(self, n_items: int, max_len: int, cfg: BSARecConfig) -> None:
        super().__init__(n_items, max_len, cfg)
        block = FilterOriginalBlock if cfg.block == "original" else FilterMixBlock
        self.blocks = nn.ModuleList(block(cfg.hidden, cfg, max_len) for _ in range(cfg.layers))
        self.reset_parameters()
