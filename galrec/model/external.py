"""External ID embeddings (METHOD.md, component 1): frozen vectors from a trained baseline run.

The provider holds ``item_table`` [n_items + 1, d1] and ``user_table`` [n_users + 1, d1] (the
baseline's user vectors from training interactions only) and encodes a prompt's own user from
its history, so an example built from a prefix never sees its own target through the user
vector:

    sasrec:   e_u = SASRec(i_1 .. i_k)_k        (the frozen sequence encoder)
    lightgcn, text: e_u = mean_j e_{i_j}         (mean of the history's item vectors)

Nothing here trains; the tables are non-persistent buffers, rebuilt from the run folder.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

from galrec.baselines.run import load_baseline_run
from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.errors import GalrecError


class ExternalEmbeddings(nn.Module):
    """Frozen item/user tables plus ``encode_history``; ``encoder`` None means the history mean."""

    def __init__(
        self, item_table: torch.Tensor, user_table: torch.Tensor, encoder: nn.Module | None = None
    ) -> None:
        super().__init__()
        if item_table.shape[1] != user_table.shape[1]:
            raise ValueError(f"item width {item_table.shape[1]} != user width {user_table.shape[1]}")
        self.register_buffer("item_table", item_table.float(), persistent=False)  # [n_items + 1, d1]
        self.register_buffer("user_table", user_table.float(), persistent=False)  # [n_users + 1, d1]
        self.encoder = encoder
        if encoder is not None:
            encoder.requires_grad_(False)
        self.train(False)

    @property
    def dim(self) -> int:
        return self.item_table.shape[1]

    def train(self, mode: bool = True) -> ExternalEmbeddings:
        """Always eval: a frozen encoder must not apply dropout while GAL-Rec trains."""
        return super().train(False)

    @torch.no_grad()
    def encode_history(self, histories: torch.Tensor) -> torch.Tensor:
        """Left-padded histories [B, L] -> user vectors [B, d1]."""
        if self.encoder is not None:
            window = self.encoder.pos_emb.num_embeddings  # SASRec's positions end here
            return self.encoder.represent(histories[:, -window:]).float()  # [B, d1]
        real = (histories > 0).float()[..., None]  # [B, L, 1]
        total = (self.item_table[histories] * real).sum(1)  # [B, d1]
        return total / real.sum(1).clamp(min=1.0)  # [B, d1]


    @torch.no_grad()
    def score_history(self, histories: torch.Tensor) -> torch.Tensor:
        """The external recommender's own catalogue scores of histories [B, L] -> [B, n_items + 1].

        SASRec's (or BSARec's) exact logits (sequence vector · item embedding); for LightGCN the history-mean
        vector against the item table.
        """
        return self.encode_history(histories) @ self.item_table.T  # [B, n_items + 1]


SEQUENCE_ENCODERS = ("sasrec", "bsarec")  # runs whose own encoder reads a history (BSARec is a SASRec)


def centred(table: torch.Tensor) -> torch.Tensor:
    """``table`` [n + 1, d] minus the mean of its real rows 1..n; the padding row stays zero."""
    out = table - table[1:].mean(dim=0, keepdim=True)
    out[0] = 0
    return out


def load_external(run_dir: str | Path, data: Interactions, source: str, center: bool = False) -> ExternalEmbeddings:
    """The provider of baseline run ``run_dir``, checked against ``data``'s id maps.

    ``source`` must match the run's model (``sasrec``, ``bsarec``, ``lightgcn`` or ``text``), so a config cannot say
    one thing while the embeddings come from another. ``center``: each table minus its mean row.
    """
    run = Path(run_dir)
    emb_file = run / "embeddings.safetensors"
    if not emb_file.is_file():
        raise GalrecError(
            f"external.run_dir {run} holds no embeddings.safetensors (not a sasrec/bsarec/lightgcn/text run)"
        )
    for kind, ids in (("item", data.items), ("user", data.users)):
        path = run / f"{kind}_ids.json"
        if not path.is_file() or IdMap.load(path) != ids:
            raise GalrecError(f"external.run_dir {run}: {kind}_ids.json does not match dataset {data.name!r}")
    model, cfg, _ = load_baseline_run(run)
    if cfg.model != source:
        raise GalrecError(f"external.source is {source!r} but {run} is a {cfg.model!r} run")
    tables = load_file(str(emb_file))
    if center:
        if source in SEQUENCE_ENCODERS:
            raise GalrecError(f"external.center: {source}'s users come from its encoder, not the table")
        tables = {k: centred(v.float()) for k, v in tables.items()}
    encoder = model if source in SEQUENCE_ENCODERS else None
    return ExternalEmbeddings(tables["item"], tables["user"], encoder)
