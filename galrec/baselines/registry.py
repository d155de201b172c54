"""The baselines by name: how to build each model and its training batches (explicit, no lookup
by module name)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from galrec.baselines.base import BaselineModel, Batch
from galrec.baselines.batches import EdgeBatches, SequenceBatches
from galrec.baselines.bsarec import BSARec
from galrec.baselines.configs import (
    BaselineConfig,
    BSARecRunConfig,
    LightGCNRunConfig,
    PopRunConfig,
    SASRecRunConfig,
    TextRunConfig,
)
from galrec.baselines.lightgcn import LightGCN
from galrec.baselines.pop import Pop
from galrec.baselines.sasrec import SASRec
from galrec.baselines.text import TextContent, item_texts
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph


class Batcher(Protocol):
    n_samples: int
    unit: str  # what one sample is, for the progress bar

    def epoch(self, rng: np.random.Generator) -> Iterator[tuple[Batch, int]]: ...


@dataclass(frozen=True)
class BaselineSpec:
    config_cls: type[BaselineConfig]
    build: Callable[[Any, LeaveOneOut], BaselineModel]
    batches: Callable[[Any, LeaveOneOut], Batcher] | None  # None: fitted when built, no training
    # run once after ``build`` by a new run (model, cfg, split, progress), never when a saved run
    # is loaded: for what is costly to compute and kept in the model's state
    fit: Callable[[Any, Any, LeaveOneOut, bool], None] | None = None


def _pop(cfg: PopRunConfig, loo: LeaveOneOut) -> Pop:
    return Pop(loo.train, loo.data.n_items, cfg.seed)


def _sasrec(cfg: SASRecRunConfig, loo: LeaveOneOut) -> SASRec:
    return SASRec(loo.data.n_items, cfg.data.max_len, cfg.sasrec)


def _bsarec(cfg: BSARecRunConfig, loo: LeaveOneOut) -> BSARec:
    return BSARec(loo.data.n_items, cfg.data.max_len, cfg.bsarec)


def _sasrec_batches(cfg: SASRecRunConfig | BSARecRunConfig, loo: LeaveOneOut) -> SequenceBatches:
    model = cfg.sasrec if isinstance(cfg, SASRecRunConfig) else cfg.bsarec
    return SequenceBatches(loo.train, cfg.data.max_len, cfg.optim.batch_size, cfg.data.train_examples,
                           cfg.optim.length_grouping, prefixes=model.samples == "prefixes")


def _train_graph(loo: LeaveOneOut) -> BipartiteGraph:
    return BipartiteGraph.from_sequences(loo.train, loo.data.n_items)  # training part only


def _lightgcn(cfg: LightGCNRunConfig, loo: LeaveOneOut) -> LightGCN:
    return LightGCN(_train_graph(loo), cfg.lightgcn)


def _lightgcn_batches(cfg: LightGCNRunConfig, loo: LeaveOneOut) -> EdgeBatches:
    return EdgeBatches(_train_graph(loo), cfg.optim.batch_size)


def _text(cfg: TextRunConfig, loo: LeaveOneOut) -> TextContent:
    from galrec.llm.sentences import sentence_dim

    return TextContent(loo.data.n_items, sentence_dim(cfg.text.encoder))


def _text_fit(model: TextContent, cfg: TextRunConfig, loo: LeaveOneOut, progress: bool) -> None:
    from galrec.llm.sentences import SentenceEncoder

    encoder = SentenceEncoder(cfg.text.encoder, cfg.text.batch_size, cfg.text.max_tokens)
    model.fit(encoder.encode(item_texts(loo.data, cfg.text.categories), normalize=True, progress=progress))


REGISTRY: dict[str, BaselineSpec] = {
    "pop": BaselineSpec(PopRunConfig, _pop, None),
    "sasrec": BaselineSpec(SASRecRunConfig, _sasrec, _sasrec_batches),
    "bsarec": BaselineSpec(BSARecRunConfig, _bsarec, _sasrec_batches),
    "lightgcn": BaselineSpec(LightGCNRunConfig, _lightgcn, _lightgcn_batches),
    "text": BaselineSpec(TextRunConfig, _text, None, _text_fit),
}
