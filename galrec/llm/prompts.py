"""Graph-aware prompts (METHOD.md, component 2): users and items into padded token batches.

A user prompt holds the user, its 1-hop items (the history, most recent last) and sampled
2-hop users; an item prompt holds the item, sampled 1-hop users and sampled 2-hop items. The
wording is ``PromptConfig.user_template`` / ``item_template``; placeholder positions carry a
slot kind and a reference (a node id, or a row of ``groups`` for compact neighbourhood tokens)
that the model uses to splice in mapped external embeddings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from galrec.config import PromptConfig
from galrec.data.dataset import Interactions
from galrec.graph.bipartite import BipartiteGraph
from galrec.graph.sampling import sample_hop1, sample_hop2_items, sample_hop2_users_via
from galrec.llm.assemble import (
    SLOT_ITEM,
    SLOT_ITEM_GROUP,
    SLOT_TEXT,
    SLOT_USER,
    SLOT_USER_GROUP,
    Block,
    node_list_block,
    pack,
    slot_block,
    text_block,
)
from galrec.llm.template import (
    ITEM_PLACEHOLDERS,
    USER_PLACEHOLDERS,
    Part,
    TitleTable,
    TokenPieces,
    parse_template,
    tokenise_template,
)

__all__ = [
    "SLOT_TEXT", "SLOT_USER", "SLOT_ITEM", "SLOT_USER_GROUP", "SLOT_ITEM_GROUP",
    "PromptBatch", "PromptBuilder",
]

_GROUP_OF = {SLOT_USER: SLOT_USER_GROUP, SLOT_ITEM: SLOT_ITEM_GROUP}


@dataclass
class PromptBatch:
    """B right-padded prompts. Every tensor but ``groups`` is [B, T]."""

    input_ids: torch.Tensor  # placeholder positions hold the pad id; the model overwrites them
    attention_mask: torch.Tensor  # 1 on real tokens, right padded
    slot_kind: torch.Tensor  # SLOT_* of every position
    # SLOT_USER / SLOT_ITEM: internal user / item id, 0 on SLOT_USER meaning the prompt's own
    # user (its vector comes from its history); SLOT_*_GROUP: a row of ``groups``; else 0.
    slot_ref: torch.Tensor
    # [G, M] 0-padded node ids, one row per compact token (users or items, as its slot_kind
    # says); a row may be all 0 when a node has no neighbour. [0, 0] without compact tokens.
    groups: torch.Tensor

    def to(self, device: torch.device | str) -> PromptBatch:
        return PromptBatch(*(getattr(self, f.name).to(device) for f in dataclasses.fields(self)))

    def __len__(self) -> int:
        return self.input_ids.shape[0]

    @property
    def n_tokens(self) -> torch.Tensor:
        """Real tokens per prompt. [B]"""
        return self.attention_mask.sum(dim=1)


def _left_align(nodes: np.ndarray) -> np.ndarray:
    """Non-zero ids first in every row, order kept. [N, k]"""
    order = np.argsort(nodes == 0, axis=1, kind="stable")
    return np.take_along_axis(nodes, order, axis=1)


class PromptBuilder:
    """Builds user and item prompt batches; everything fixed is tokenised once, here.

    Sampling draws from ``graph`` (build it from the training split, or the split being
    predicted: ``BipartiteGraph.from_split``), so prompts never show held-out interactions.
    """

    def __init__(
        self, cfg: PromptConfig, tokenizer: PreTrainedTokenizerBase, data: Interactions, graph: BipartiteGraph
    ) -> None:
        if graph.n_items != data.n_items:
            raise ValueError(f"graph has {graph.n_items} items but {data.name} has {data.n_items}")
        self.cfg = cfg
        self.graph = graph
        self.pieces = TokenPieces.build(tokenizer, cfg.list_separator, cfg.anonymous_user)
        self.user_parts = tokenise_template(
            tokenizer, parse_template(cfg.user_template, USER_PLACEHOLDERS, "prompt.user_template")
        )
        self.item_parts = tokenise_template(
            tokenizer, parse_template(cfg.item_template, ITEM_PLACEHOLDERS, "prompt.item_template")
        )
        self.titles = TitleTable.build(tokenizer, data.titles, cfg.title_tokens) if cfg.titles else None

    def user_prompts(
        self, users: np.ndarray, histories: torch.Tensor, rng: np.random.Generator
    ) -> PromptBatch:
        """Prompts of ``users`` [B] whose inputs are ``histories`` [B, L] (left padded, oldest first)."""
        users = np.asarray(users, dtype=np.int64)
        hist = histories.detach().cpu().numpy() if torch.is_tensor(histories) else np.asarray(histories)
        if hist.shape[0] != len(users):
            raise ValueError(f"{len(users)} users but {hist.shape[0]} histories")
        keep = min(self.cfg.history_items, hist.shape[1])
        fills = {"<items>": (SLOT_ITEM, hist[:, hist.shape[1] - keep :])}  # [B, keep], most recent last
        if self._samples("<hop2>", self.user_parts):
            # through the prompt's own input, so a prefix never reaches users via its target
            hop2 = sample_hop2_users_via(self.graph, users, hist, self.cfg.n_hop2_users, rng)  # [B, k]
            fills["<hop2>"] = (SLOT_USER, hop2)
        return self._build(self.user_parts, len(users), fills)

    def item_prompts(self, items: np.ndarray, rng: np.random.Generator) -> PromptBatch:
        """Prompts of ``items`` [B] with their sampled 1-hop users and 2-hop items."""
        items = np.asarray(items, dtype=np.int64)
        fills = {"<item>": (SLOT_ITEM, items[:, None])}
        cfg = self.cfg
        if self._samples("<hop1>", self.item_parts):
            fills["<hop1>"] = (SLOT_USER, sample_hop1(self.graph.item_user, items, cfg.n_hop1_users, rng))
        if self._samples("<hop2>", self.item_parts):
            fills["<hop2>"] = (SLOT_ITEM, sample_hop2_items(self.graph, items, cfg.n_hop2_items, rng))
        return self._build(self.item_parts, len(items), fills)

    def _samples(self, tag: str, parts: list[Part]) -> bool:
        return self.cfg.neighbours != "none" and any(isinstance(p, str) and p == tag for p in parts)

    def _build(self, parts: list[Part], batch: int, fills: dict[str, tuple[int, np.ndarray]]) -> PromptBatch:
        pad = self.pieces.pad_id
        blocks = [text_block(self.pieces.prefix, batch)]
        groups: list[np.ndarray] = []
        for part in parts:
            if not isinstance(part, str):
                blocks.append(text_block(part, batch))
            elif part == "<user>":  # the prompt's own user: ref 0
                own = slot_block(SLOT_USER, np.zeros(batch, dtype=np.int64), pad)
                blocks.append(own if self.cfg.ids else text_block(self.pieces.anonymous_user, batch))
            elif part in fills:
                kind, nodes = fills[part]
                if self.cfg.neighbours == "compact" and part != "<item>":
                    refs = sum(len(g) for g in groups) + np.arange(batch)  # [B] rows of ``groups``
                    groups.append(_left_align(nodes))
                    blocks.append(slot_block(_GROUP_OF[kind], refs, pad))
                else:
                    blocks.append(self._list_block(kind, nodes))
        blocks.append(text_block(self.pieces.suffix, batch))
        input_ids, mask, kind, ref = pack(blocks, pad)
        return PromptBatch(
            input_ids=torch.from_numpy(input_ids),
            attention_mask=torch.from_numpy(mask),
            slot_kind=torch.from_numpy(kind),
            slot_ref=torch.from_numpy(ref),
            groups=torch.from_numpy(_stack_groups(groups)),
        )

    def _list_block(self, kind: int, nodes: np.ndarray) -> Block:
        titled = kind == SLOT_ITEM and self.titles is not None
        return node_list_block(
            nodes,
            kind,
            self.pieces.pad_id,
            self.pieces.separator,
            with_ids=self.cfg.ids,
            title_ids=self.titles.ids if titled else None,
            title_lengths=self.titles.lengths if titled else None,
        )


def _stack_groups(groups: list[np.ndarray]) -> np.ndarray:
    """Group id lists of different widths as one 0-padded [G, M] array."""
    if not groups:
        return np.zeros((0, 0), dtype=np.int64)
    width = max(g.shape[1] for g in groups)
    return np.concatenate([np.pad(g, ((0, 0), (0, width - g.shape[1]))) for g in groups], axis=0)
