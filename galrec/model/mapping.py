"""The mapping layer: external ID embeddings into the language model's input space.

    m(e) = W2 GELU(W1 LN(e) + b1) + b2,    d1 -> d2 -> H

The LayerNorm makes the mapping indifferent to the scale of the source (SASRec and LightGCN
vectors differ by orders of magnitude). A mapped vector replaces a placeholder token's input
embedding, so it should start at the scale of real token embeddings: the last layer is
initialised so that outputs have std ``out_std`` (the backbone's embedding std).
"""

from __future__ import annotations

import torch
from torch import nn


class MappingMLP(nn.Module):
    def __init__(self, d_in: int, d_hidden: int, d_out: int, out_std: float = 0.02) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d_in)
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_out)
        self.act = nn.GELU()
        self.out_std = out_std
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        self.norm.reset_parameters()
        self.fc1.reset_parameters()
        # RMS of the hidden activations for LayerNorm-ed inputs, measured on a fixed probe so the
        # global RNG stream is not consumed twice
        probe = torch.randn(
            512, self.fc1.in_features, generator=torch.Generator().manual_seed(0)
        )  # [512, d1]
        rms = self.act(self.fc1(self.norm(probe))).pow(2).mean().sqrt()  # scalar
        std = self.out_std / (rms * self.fc1.out_features**0.5)
        nn.init.normal_(self.fc2.weight, std=float(std))
        nn.init.zeros_(self.fc2.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[..., d_in] -> [..., d_out]"""
        return self.fc2(self.act(self.fc1(self.norm(x))))
