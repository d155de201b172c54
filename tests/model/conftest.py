"""A tiny GAL-Rec: synthetic log, random external tables, the ``tiny-random`` backbone."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
import torch

from galrec.config import GalRecConfig
from galrec.typed_config import from_dict
from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph
from galrec.llm.backbone import Backbone, load_backbone
from galrec.llm.prompts import PromptBuilder
from galrec.model.external import ExternalEmbeddings
from galrec.model.galrec import GalRec
from galrec.model.item_graph import item_graph_for
from galrec.training.batches import Collator
from galrec.training.examples import PrefixExamples

N_USERS, N_ITEMS, D1 = 30, 20, 8

TINY = {
    "backbone": {"name": "tiny-random"},
    "prompt": {"history_items": 5, "n_hop2_users": 3, "n_hop1_users": 3, "n_hop2_items": 3},
    "loss": {"proj_dim": 16, "bank_neighbours": 4, "l1": 0.5, "l2": 0.5, "l3": 0.5},
    "queue": {"size": 8},
    "external": {"mapping_hidden": 16},
}


def tiny_log() -> Interactions:
    rng = np.random.default_rng(3)
    rows = [rng.integers(1, N_ITEMS + 1, size=rng.integers(4, 11)).tolist() for _ in range(N_USERS)]
    return Interactions(
        "tiny",
        IdMap([f"u{u}" for u in range(1, N_USERS + 1)], "user"),
        IdMap([f"i{i}" for i in range(1, N_ITEMS + 1)], "item"),
        Sequences.from_lists([[], *rows]),
    )


@dataclasses.dataclass
class Tiny:
    cfg: GalRecConfig
    loo: LeaveOneOut
    graph: BipartiteGraph
    builder: PromptBuilder
    model: GalRec
    collate: Collator
    examples: PrefixExamples


@pytest.fixture(scope="session")
def backbone_state() -> dict[str, torch.Tensor]:
    """tiny-random's initial weights, so each test starts from the same untouched backbone."""
    return {
        k: v.clone() for k, v in load_backbone(from_dict(GalRecConfig, TINY).backbone).state_dict().items()
    }


def build_tiny(backbone_state: dict[str, torch.Tensor], **sections: dict) -> Tiny:
    raw = {k: {**TINY.get(k, {}), **sections.get(k, {})} for k in {*TINY, *sections}}
    cfg = from_dict(GalRecConfig, raw)
    loo = LeaveOneOut.from_interactions(tiny_log())
    graph = BipartiteGraph.from_split(loo, "valid")
    backbone: Backbone = load_backbone(cfg.backbone)
    backbone.load_state_dict(backbone_state)
    gen = torch.Generator().manual_seed(0)
    external = ExternalEmbeddings(
        torch.randn(N_ITEMS + 1, D1, generator=gen), torch.randn(N_USERS + 1, D1, generator=gen)
    )
    torch.manual_seed(0)
    model = GalRec(backbone, external, N_USERS, N_ITEMS, cfg, item_graph_for(cfg.prompt.sequence_neighbours, external, graph))
    builder = PromptBuilder(cfg.prompt, backbone.tokenizer, loo.data, graph)
    examples = PrefixExamples(loo.train, cfg.data.train_examples)
    return Tiny(cfg, loo, graph, builder, model, Collator(examples, builder, graph, cfg), examples)


@pytest.fixture
def make_tiny(backbone_state: dict[str, torch.Tensor]) -> Callable[..., Tiny]:
    """``make_tiny(loss={"l1": 0}, ...)``: a fresh tiny model with config sections overridden."""
    return lambda **sections: build_tiny(backbone_state, **sections)


@pytest.fixture
def tiny(make_tiny: Callable[..., Tiny]) -> Tiny:
    return make_tiny()
