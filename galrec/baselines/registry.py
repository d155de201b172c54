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
)
from galrec.baselines.lightgcn import LightGCN
from galrec.baselines.pop import Pop
from galrec.baselines.sasrec import SASRec
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


REGISTRY: dict[str, BaselineSpec] = {
    "pop": BaselineSpec(PopRunConfig, _pop, None),
    "sasrec": BaselineSpec(SASRecRunConfig, _sasrec, _sasrec_batches),
    "bsarec": BaselineSpec(BSARecRunConfig, _bsarec, _sasrec_batches),
    "lightgcn": BaselineSpec(LightGCNRunConfig, _lightgcn, _lightgcn_batches),
}
