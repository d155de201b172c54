"""Collate training examples into a ``GalRecBatch``: prompts plus the neighbours the losses need.

Only what the configured losses read is built: item prompts for L2, 2-hop users for L1/L3,
the target's audience for L3. With every contrastive weight at 0 a batch is just user prompts
and targets (the E4SRec-style path).
"""

from __future__ import annotations

import numpy as np
import torch

from galrec.config import GalRecConfig
from galrec.graph.bipartite import BipartiteGraph
from galrec.graph.sampling import sample_hop1, sample_hop2_users_via
from galrec.llm.prompts import PromptBuilder
from galrec.llm.sequence import SequenceBuilder, right_align
from galrec.model.batch import GalRecBatch, SequenceBatch
from galrec.training.examples import PrefixExamples


def target_audience(
    graph: BipartiteGraph, users: np.ndarray, targets: np.ndarray, k: int, rng: np.random.Generator
) -> torch.Tensor:
    """k sampled users of each target [B], the example's own user left out (E1_i). [B, k]"""
    audience = sample_hop1(graph.item_user, targets, k, rng)  # [B, k]
    audience[audience == users[:, None]] = 0  # u itself is no evidence about i's audience
    return torch.from_numpy(audience)


class Collator:
    def __init__(
        self, examples: PrefixExamples, builder: PromptBuilder, graph: BipartiteGraph, cfg: GalRecConfig
    ) -> None:
        self.examples, self.builder, self.graph = examples, builder, graph
        self.max_len, self.k = cfg.data.max_len, cfg.loss.bank_neighbours
        self.need_items = cfg.loss.l2 > 0
        self.need_hop2 = cfg.loss.l1 > 0 or cfg.loss.l3 > 0
        self.need_hop1 = cfg.loss.l3 > 0

    def __call__(self, idx: np.ndarray, rng: np.random.Generator) -> GalRecBatch:
        """Examples ``idx`` [B] -> a batch; every random draw comes from ``rng``."""
        users = self.examples.users[idx]  # [B]
        targets = self.examples.targets(idx)  # [B]
        histories = self.examples.histories(idx, self.max_len)  # [B, L]
        batch = GalRecBatch(
            users=torch.from_numpy(users),
            histories=histories,
            targets=torch.from_numpy(targets),
            user_prompts=self.builder.user_prompts(users, histories, rng),
        )
        if self.need_items:
            batch.item_prompts = self.builder.item_prompts(targets, rng)
        if self.need_hop2:
            # E2_u through the example's own prefix, never through its target or later items
            hop2 = sample_hop2_users_via(self.graph, users, histories.numpy(), self.k, rng)  # [B, M]
            batch.hop2_users = torch.from_numpy(hop2)
        if self.need_hop1:
            batch.hop1_users = target_audience(self.graph, users, targets, self.k, rng)
        return batch


class SequenceCollator:
    """Sequence mode: users' whole training windows, a target at every position."""

    def __init__(
        self, examples: PrefixExamples, builder: SequenceBuilder, graph: BipartiteGraph, cfg: GalRecConfig
    ) -> None:
        if examples.kind != "last":
            raise ValueError("sequence mode trains on one window per user: PrefixExamples(train, 'last')")
        self.examples, self.builder, self.graph = examples, builder, graph
        self.max_len, self.k = cfg.data.max_len, cfg.loss.bank_neighbours
        self.need_hop2 = cfg.loss.l1 > 0 or cfg.loss.l3 > 0
        self.need_hop1 = cfg.loss.l2 > 0 or cfg.loss.l3 > 0

    def __call__(self, idx: np.ndarray, rng: np.random.Generator) -> SequenceBatch:
        """Examples ``idx`` [B] (one per user) -> a batch; every random draw comes from ``rng``."""
        users = self.examples.users[idx]  # [B]
        histories = self.examples.histories(idx, self.max_len)  # [B, L] all but the last training item
        targets = right_align(self.examples.next_items(idx, self.max_len).numpy())  # [B, L]
        batch = SequenceBatch(
            users=torch.from_numpy(users),
            inputs=self.builder(users, histories, rng),
            targets=torch.from_numpy(targets),
        )
        if self.need_hop2:
            hop2 = sample_hop2_users_via(self.graph, users, histories.numpy(), self.k, rng)  # [B, M]
            batch.hop2_users = torch.from_numpy(hop2)
        if self.need_hop1:
            last = self.examples.targets(idx)  # [B] the last training item
            batch.hop1_users = target_audience(self.graph, users, last, self.k, rng)
        return batch
