"""Build every piece of a GAL-Rec run from its config: data, graph, embeddings, backbone, model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from galrec.config import GalRecConfig
from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut, SplitName
from galrec.graph.bipartite import BipartiteGraph
from galrec.llm.backbone import load_backbone
from galrec.llm.prompts import PromptBuilder
from galrec.model.external import load_external
from galrec.model.galrec import GalRec


@dataclass
class Parts:
    cfg: GalRecConfig
    loo: LeaveOneOut
    graph: BipartiteGraph  # training part only: the graph every training prompt and loss sees
    builder: PromptBuilder  # prompts over ``graph``
    model: GalRec

    def builder_for(self, split: SplitName) -> PromptBuilder:
        """Prompts for evaluating ``split``: test inputs may use the validation edges, never test ones."""
        if split == "valid":
            return self.builder
        graph = BipartiteGraph.from_split(self.loo, split)
        return PromptBuilder(self.cfg.prompt, self.model.backbone.tokenizer, self.loo.data, graph)


def build_parts(cfg: GalRecConfig, external_dir: Path, loo: LeaveOneOut | None = None) -> Parts:
    """Everything but the weights' training; the caller seeds torch first (head initialisation)."""
    loo = loo or LeaveOneOut.from_interactions(load_dataset(cfg.data.dataset))
    data = loo.data
    graph = BipartiteGraph.from_split(loo, "valid")
    external = load_external(external_dir, data, cfg.external.source)
    backbone = load_backbone(cfg.backbone)
    builder = PromptBuilder(cfg.prompt, backbone.tokenizer, data, graph)
    model = GalRec(backbone, external, data.n_users, data.n_items, cfg)
    return Parts(cfg, loo, graph, builder, model)
