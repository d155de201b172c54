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
from galrec.llm.sequence import SequenceBuilder
from galrec.model.external import load_external
from galrec.model.galrec import GalRec
from galrec.model.item_graph import item_graph_for


@dataclass
class Parts:
    cfg: GalRecConfig
    loo: LeaveOneOut
    graph: BipartiteGraph  # training part only: the graph every training prompt and loss sees
    builder: PromptBuilder  # prompts over ``graph``
    model: GalRec

    def graph_for(self, split: SplitName) -> BipartiteGraph:
        """The graph inputs of ``split`` may see: test inputs the validation edges, never test ones."""
        return self.graph if split == "valid" else BipartiteGraph.from_split(self.loo, split)

    def builder_for(self, split: SplitName) -> PromptBuilder:
        """Prompts for evaluating ``split``."""
        if split == "valid":
            return self.builder
        return PromptBuilder(self.cfg.prompt, self.model.backbone.tokenizer, self.loo.data, self.graph_for(split))

    def sequence_builder_for(self, split: SplitName | None) -> SequenceBuilder:
        """Sequence-mode inputs for training (``None``, the training graph) or evaluating ``split``."""
        graph = self.graph if split is None else self.graph_for(split)
        return SequenceBuilder(self.cfg.prompt, self.model.backbone.tokenizer, graph)


def build_parts(cfg: GalRecConfig, external_dir: Path, loo: LeaveOneOut | None = None) -> Parts:
    """Everything but the weights' training; the caller seeds torch first (head initialisation)."""
    loo = loo or LeaveOneOut.from_interactions(load_dataset(cfg.data.dataset))
    data = loo.data
    graph = BipartiteGraph.from_split(loo, "valid")
    external = load_external(external_dir, data, cfg.external.source, cfg.external.center)
    backbone = load_backbone(cfg.backbone)
    builder = PromptBuilder(cfg.prompt, backbone.tokenizer, data, graph)
    item_graph = item_graph_for(cfg.prompt.sequence_neighbours, external, graph)
    model = GalRec(backbone, external, data.n_users, data.n_items, cfg, item_graph)
    return Parts(cfg, loo, graph, builder, model)
