"""SASRec: self-attentive sequential recommendation (Kang & McAuley, ICDM 2018).

    h_t = Transformer_causal(E[i_1..i_t] + P[1..t])_t,        s(i | i_1..i_t) = h_t · E_i

with the item table E shared between input and output. Loss "ce" is the softmax cross-entropy
over the whole catalogue at every position (-log softmax_i(h_t · E)_{i_{t+1}}; Klenitskiy &
Vasilev, RecSys 2023, show it beats the paper's loss by a wide margin); "bce" is the paper's
binary cross-entropy with one uniformly sampled negative per position. Blocks are pre-LayerNorm;
``block: original`` is the block of the paper's code (``OriginalBlock``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from galrec.baselines.base import BaselineModel, Batch
from galrec.baselines.catalogue_ce import catalogue_cross_entropy
from galrec.baselines.configs import SASRecConfig
from galrec.data.split import LeaveOneOut
from galrec.runtime import native_dtype


class CausalBlock(nn.Module):
    def __init__(self, d: int, heads: int, inner: int, dropout: float, attn_dropout: float) -> None:
        super().__init__()
        self.heads, self.attn_dropout = heads, attn_dropout
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ffn = nn.Sequential(nn.Linear(d, inner), nn.GELU(), nn.Linear(inner, d))
        self.drop = nn.Dropout(dropout)

    def attend(self, zq: torch.Tensor, zkv: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        """Causal self-attention, queries from zq [B, T, d], keys and values from zkv [B, T, d],
        allowed [B, 1, T, T] -> the projected output [B, T, d]."""
        B, T, d = zq.shape
        w, b = self.qkv.weight, self.qkv.bias  # [3d, d], [3d]
        q = F.linear(zq, w[:d], b[:d])  # [B, T, d]
        k, v = F.linear(zkv, w[d:], b[d:]).split(d, dim=2)  # 2 x [B, T, d]
        q, k, v = (t.view(B, T, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))  # [B, h, T, d/h]
        p = self.attn_dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=p)  # [B, h, T, d/h]
        return self.proj(y.transpose(1, 2).reshape(B, T, d))

    def mix(self, z: torch.Tensor, allowed: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """The token-mixing branch: z [B, T, d], allowed [B, 1, T, T], real [B, T] -> [B, T, d]"""
        return self.drop(self.attend(z, z, allowed))

    def forward(self, x: torch.Tensor, allowed: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """x [B, T, d], allowed [B, 1, T, T] (True: query may attend to key), real [B, T] -> [B, T, d]"""
        x = x + self.mix(self.ln1(x), allowed, real)
        return x + self.drop(self.ffn(self.ln2(x)))


class OriginalBlock(CausalBlock):
    """The block of the SASRec paper's code and its PyTorch ports (``sasrec.block: original``).

        q = LN1(x);  x = q + Attn(query q, keys and values x);  y = LN2(x);  x = y + FFN(y)

    The attention's query and its residual are the normalised input, its keys and values the raw
    one; the feed-forward part is Linear-ReLU-dropout-Linear-dropout; the output of the
    attention has no dropout of its own. Padding rows are zeroed after each block. With
    ``raw_residual`` the attention's residual is x itself (the freerec code): x = Attn(q, x) + x.
    """

    def __init__(self, d: int, heads: int, inner: int, dropout: float, attn_dropout: float,
                 raw_residual: bool = False) -> None:
        super().__init__(d, heads, inner, dropout, attn_dropout)
        self.ffn = nn.Sequential(nn.Linear(d, inner), nn.ReLU(), nn.Dropout(dropout), nn.Linear(inner, d))
        self.raw_residual = raw_residual

    def forward(self, x: torch.Tensor, allowed: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        q_in = self.ln1(x)  # [B, T, d]
        x = self.ln2((x if self.raw_residual else q_in) + self.attend(q_in, x, allowed))
        return (x + self.drop(self.ffn(x))) * real[..., None]


class SASRec(BaselineModel):
    def __init__(self, n_items: int, max_len: int, cfg: SASRecConfig) -> None:
        super().__init__()
        self.n_items, self.loss, self.negatives = n_items, cfg.loss, cfg.negatives
        self.positions = cfg.positions
        self.ce_dtype = getattr(torch, cfg.ce_dtype)
        self.item_emb = nn.Embedding(n_items + 1, cfg.hidden, padding_idx=0)
        self.pos_emb = nn.Embedding(max_len, cfg.hidden)
        self.drop = nn.Dropout(cfg.dropout)
        self.ln_emb = nn.LayerNorm(cfg.hidden) if cfg.emb_norm else nn.Identity()
        self.emb_scale = cfg.hidden**0.5 if cfg.block == "original" else 1.0
        self.blocks = nn.ModuleList(self._block(cfg) for _ in range(cfg.layers))
        self.padding_keys, self.init = cfg.padding_keys, cfg.init
        self.ln_f = nn.LayerNorm(cfg.hidden)
        self.reset_parameters()

    @staticmethod
    def _block(cfg: SASRecConfig) -> CausalBlock:
        sizes = (cfg.hidden, cfg.heads, cfg.inner, cfg.dropout, cfg.attn_dropout)
        if cfg.block == "original":
            return OriginalBlock(*sizes, raw_residual=cfg.attn_residual == "raw")
        return CausalBlock(*sizes)

    def reset_parameters(self) -> None:
        """N(0, 0.02) weights (BERT/RecBole) or Xavier-normal ones (``init: xavier``), zero biases,
        padding row zero."""
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                if self.init == "xavier":
                    nn.init.xavier_normal_(m.weight)
                else:
                    nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        with torch.no_grad():
            self.item_emb.weight[0].zero_()

    def encode(self, seq: torch.Tensor) -> torch.Tensor:
        """seq [B, T] left-padded item ids -> hidden states [B, T, d] (row t sees items <= t)."""
        width = seq.shape[1]
        if self.padding_keys == "attended":  # the published frame: max_len columns, padding visible
            seq = F.pad(seq, (self.pos_emb.num_embeddings - width, 0))  # [B, max_len]
        real, T = seq > 0, seq.shape[1]  # [B, T]
        if self.positions == "from_first":
            pos = (real.cumsum(1) - 1).clamp(min=0)  # [B, T], 0 at each window's first item
        else:  # the last column is position max_len - 1, whatever padding was cut before it
            max_len = self.pos_emb.num_embeddings
            pos = torch.arange(max_len - T, max_len, device=seq.device).expand_as(seq)  # [B, T]
        x = self.ln_emb(self.item_emb(seq) * self.emb_scale + self.pos_emb(pos))  # [B, T, d]
        x = self.drop(x) * real[..., None]
        causal = torch.ones(T, T, dtype=torch.bool, device=seq.device).tril()  # [T, T]
        if self.padding_keys == "attended":
            allowed = causal.expand(len(seq), T, T)  # [B, T, T]
        else:  # keys must be real items; a padding query may see itself, so no row is fully masked (NaN)
            diag = torch.eye(T, dtype=torch.bool, device=seq.device)
            allowed = causal & (real[:, None, :] | diag)  # [B, T, T]
        for block in self.blocks:
            x = block(x, allowed[:, None], real)
        return self.ln_f(x)[:, -width:]

    def calculate_loss(self, batch: Batch) -> torch.Tensor:
        target = batch["target"]  # [B, T], 0 where no next item is predicted
        keep = target > 0
        h = self.encode(batch["input"])[keep]  # [N, d], gathered before the catalogue product
        target = target[keep]  # [N]
        if self.loss == "ce":  # over items 1..n (padding excluded), without the [N, n_items] logits
            return catalogue_cross_entropy(h, self.item_emb.weight[1:], target - 1,
                                           matmul_dtype=native_dtype(self.ce_dtype, h.device.type))
        if self.loss == "sampled":
            return self._sampled_softmax(h, target)
        neg = torch.randint(1, self.n_items + 1, target.shape, device=target.device)  # [N]
        pos_s = (h * self.item_emb(target)).sum(-1)  # [N]
        neg_s = (h * self.item_emb(neg)).sum(-1)  # [N]
        return F.softplus(-pos_s).mean() + F.softplus(neg_s).mean()

    def _sampled_softmax(self, h: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of each target against S uniform negatives shared by the batch.

        h [N, d], target [N]. Uniform proposals make the log-Q correction a constant, so none is
        needed; a negative that equals the row's target is masked out.
        """
        neg = torch.randint(1, self.n_items + 1, (self.negatives,), device=target.device)  # [S]
        pos = (h * self.item_emb(target)).sum(-1, keepdim=True)  # [N, 1]
        neg_s = h @ self.item_emb(neg).T  # [N, S]
        neg_s = neg_s.masked_fill(neg[None, :] == target[:, None], float("-inf"))
        logits = torch.cat([pos, neg_s], dim=1)  # [N, 1 + S], the target in column 0
        return F.cross_entropy(logits, torch.zeros_like(target))

    def represent(self, histories: torch.Tensor) -> torch.Tensor:
        """Left-padded histories [B, L] -> the state after the last item [B, d].

        Columns that are padding in every row are cut first: positions count from each
        window's first item or from its last column, so the result does not change, only the cost.
        """
        width = max(int((histories > 0).sum(1).max()), 1)
        return self.encode(histories[:, -width:])[:, -1]  # [B, d]

    def score(self, users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        return self.represent(histories) @ self.item_emb.weight.T  # [B, n_items + 1]

    @torch.no_grad()
    def item_embeddings(self) -> torch.Tensor:
        return self.item_emb.weight.detach().clone()  # [n_items + 1, d]

    @torch.no_grad()
    def user_embeddings(self, loo: LeaveOneOut, batch_size: int = 1024) -> torch.Tensor:
        """The representation of each user's training part (the validation input). [n_users + 1, d]"""
        device = self.item_emb.weight.device
        n_users, max_len = loo.data.n_users, self.pos_emb.num_embeddings
        out = torch.zeros(n_users + 1, self.item_emb.embedding_dim, device=device)
        for start in range(1, n_users + 1, batch_size):
            users = torch.arange(start, min(start + batch_size, n_users + 1))
            out[users] = self.represent(loo.train.padded(users.numpy(), max_len).to(device))
        return out
