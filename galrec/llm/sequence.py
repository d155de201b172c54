"""Sequence-mode inputs (METHOD.md, "All-position training"): a user's items as one causal prompt.

    [prefix text] [item_1 (+ its audience)] [item_2 (+ ...)] ... [item_n] [padding]

One item token per position (two with ``prompt.sequence_neighbours: token``), right padded, so a
causal language model's hidden state at item t has seen items 1..t and nothing later: it
predicts item t + 1, and one forward pass supervises every position of the sequence.

An item's audience is ``prompt.n_hop1_users`` users sampled from the item's 1-hop users other
than the sequence's own user: the GNN's aggregation step, the user's 2-hop neighbours through
that item. Position t carries only the audiences of items 1..t, so the neighbourhood is as
causal as the items are. With ``table`` the audience is folded into the item's vector instead
(``galrec.model.item_graph``), leaving the row's user out in the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from galrec.config import PromptConfig
from galrec.graph.bipartite import BipartiteGraph
from galrec.graph.sampling import sample_hop1
from galrec.llm.template import TokenPieces, encode_text


@dataclass
class SequenceInputs:
    """B users' item sequences in the language model's layout."""

    prefix_ids: torch.Tensor  # [P] token ids before the first item, the same for every row
    items: torch.Tensor  # [B, L] right padded (oldest first, 0 after the last item)
    # [B, L, M] sampled other users of each item (0: none), or None without neighbour tokens
    audience: torch.Tensor | None
    users: torch.Tensor | None = None  # [B] whose sequences these are (``sequence_neighbours: table``)

    def to(self, device: torch.device | str) -> SequenceInputs:
        return SequenceInputs(
            *(None if (v := getattr(self, f.name)) is None else v.to(device) for f in dataclasses.fields(self))
        )

    def __len__(self) -> int:
        return self.items.shape[0]

    @property
    def lengths(self) -> torch.Tensor:
        """Items per row. [B]"""
        return (self.items > 0).sum(dim=1)


def right_align(left_padded: np.ndarray) -> np.ndarray:
    """Rows of a left-padded [B, L] array moved to the left, order kept, and cut to the longest
    row (0 = padding): a batch costs its longest sequence, not ``data.max_len``. [B, L']"""
    order = np.argsort(left_padded == 0, axis=1, kind="stable")  # [B, L] real entries first
    width = max(int((left_padded != 0).sum(axis=1).max(initial=0)), 1)
    return np.take_along_axis(left_padded, order[:, :width], axis=1)


class SequenceBuilder:
    """Builds ``SequenceInputs`` over ``graph`` (the training graph, or the split being predicted)."""

    def __init__(self, cfg: PromptConfig, tokenizer: PreTrainedTokenizerBase, graph: BipartiteGraph) -> None:
        self.cfg, self.graph = cfg, graph
        pieces = TokenPieces.build(tokenizer, cfg.list_separator, cfg.anonymous_user)
        # [P] special tokens, then the prefix text; the item tokens follow it
        self.prefix_ids = torch.from_numpy(np.concatenate([pieces.prefix, encode_text(tokenizer, cfg.sequence_prefix)]))
        self.with_audience = cfg.sequence_neighbours in ("sum", "token")  # sampled audiences

    def __call__(self, users: np.ndarray, histories: torch.Tensor | np.ndarray, rng: np.random.Generator) -> SequenceInputs:
        """``users`` [B] with left-padded ``histories`` [B, L] -> inputs; draws come from ``rng``."""
        hist = histories.detach().cpu().numpy() if torch.is_tensor(histories) else np.asarray(histories)
        users = np.asarray(users, dtype=np.int64)
        if hist.shape[0] != len(users):
            raise ValueError(f"{len(users)} users but {hist.shape[0]} histories")
        items = right_align(hist)  # [B, L]
        audience = None
        if self.with_audience:
            audience = self.audience(users, items, rng)
        return SequenceInputs(self.prefix_ids, torch.from_numpy(items), audience, torch.from_numpy(users))

    def audience(self, users: np.ndarray, items: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        """Sampled users of every item of ``items`` [B, L] other than the row's user. [B, L, M]"""
        b, length = items.shape
        k = self.cfg.n_hop1_users
        drawn = sample_hop1(self.graph.item_user, items.reshape(-1), k, rng).reshape(b, length, k)
        drawn[drawn == users[:, None, None]] = 0  # u itself is not its own neighbourhood
        return torch.from_numpy(drawn)
