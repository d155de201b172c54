"""GAL-Rec (Guan et al., arXiv 2406.13235): a language model that imitates a GNN (METHOD.md).

    h = LM(splice(embed(prompt), slots, m(e)))                  pooled prompt vector [H]
    s_u = head(h_u)                                             scores over the catalogue
    E0 = proj(h)                                                contrastive space, unit norm
    E2_u = mean_{v ∈ hop2(u)} proj(bank[v])                     u's 2-hop users
    E1_i = mean_{v ∈ hop1(i) \\ u} proj(bank[v])                i's audience
    L = L0(s_u, i) + λ1 NCE(E0_u, E2_u) + λ2 NCE(E0_u, E0_i) + λ3 NCE(E2_u, E1_i)    (+ λ4 by AdamW)

The bank holds detached pooled vectors and the projection is applied when reading it, so the
aggregates use the current projection head: L3, whose two sides both come from the bank,
shapes the shared contrastive space (the projection head), while L1 and L2 also reach the
language model through their live anchor E0_u.

With λ1 = λ2 = λ3 = 0 (and ``prompt.neighbours: none``) this is the E4SRec-style model:
external IDs + language model + catalogue head, and item prompts are never encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import torch
from torch import nn

from galrec.config import GalRecConfig
from galrec.llm.backbone import Backbone
from galrec.llm.prompts import PromptBatch
from galrec.llm.splice import splice
from galrec.llm.sequence import SequenceInputs
from galrec.model.batch import GalRecBatch, GalRecOutput, SequenceBatch
from galrec.model.external import ExternalEmbeddings
from galrec.model.heads import CatalogueHead, ProjectionHead
from galrec.model.item_graph import ItemGraphTable
from galrec.model.losses import catalogue_cross_entropy, info_nce
from galrec.model.mapping import MappingMLP
from galrec.model.queue import NodeQueue, RepresentationBank
from galrec.model.sequence import encode_sequence, last_state
from galrec.model.slots import slot_mask, slot_vectors
from galrec.runtime import native_dtype

T = TypeVar("T")
MEMORY_PREFIXES = ("user_queue.", "item_queue.", "bank.")  # buffers a checkpoint must carry


def token_embedding_std(backbone: Backbone, n_tokens: int = 4096) -> float:
    """Std of the backbone's input embeddings (the scale mapped vectors should start at)."""
    ids = torch.arange(min(len(backbone.tokenizer), n_tokens))[None]  # [1, V']
    with torch.no_grad():
        return float(backbone.embed_tokens(ids).float().std())


class GalRec(nn.Module):
    def __init__(
        self,
        backbone: Backbone,
        external: ExternalEmbeddings,
        n_users: int,
        n_items: int,
        cfg: GalRecConfig,
        item_graph: ItemGraphTable | None = None,
    ) -> None:
        """``item_graph``: the audience-folded item table, required by ``prompt.sequence_neighbours: table``."""
        super().__init__()
        H, P = backbone.hidden_size, cfg.loss.proj_dim
        if external.item_table.shape[0] != n_items + 1 or external.user_table.shape[0] != n_users + 1:
            raise ValueError(
                f"external tables {tuple(external.item_table.shape)}/{tuple(external.user_table.shape)} "
                f"do not fit {n_items} items and {n_users} users"
            )
        if (cfg.prompt.sequence_neighbours == "table") != (item_graph is not None):
            raise ValueError("prompt.sequence_neighbours: table needs an item_graph, and only it takes one")
        self.backbone, self.external, self.item_graph = backbone, external, item_graph
        std = token_embedding_std(backbone)
        self.map_user = MappingMLP(external.dim, cfg.external.mapping_hidden, H, std)
        self.map_item = MappingMLP(external.dim, cfg.external.mapping_hidden, H, std)
        self.proj = ProjectionHead(H, P)
        self.head = CatalogueHead(H, n_items, cfg.external.tie_head)
        # s = head(h) + α · s_ext(history): see ExternalConfig.residual
        self.residual_scale = nn.Parameter(torch.ones(())) if cfg.external.residual else None
        self.user_queue = NodeQueue(cfg.queue.size, P)
        self.item_queue = NodeQueue(cfg.queue.size, P)
        self.bank = RepresentationBank(n_users + 1, H)
        self.lambdas = {"l1": cfg.loss.l1, "l2": cfg.loss.l2, "l3": cfg.loss.l3}
        self.tau = cfg.loss.tau
        self.separate_audience = cfg.prompt.sequence_neighbours == "token"  # sequence mode's layout
        self.audience_gate = nn.Parameter(torch.zeros(())) if cfg.prompt.audience_gate else None
        self.head_dtype = torch.bfloat16 if cfg.train.head_dtype == "bfloat16" else torch.float32

    # --- mapped external embeddings -------------------------------------------------------------
    def user_vectors(self, users: torch.Tensor) -> torch.Tensor:
        """ids [...] -> [..., H]"""
        return self.map_user(self.external.user_table[users])

    @property
    def item_table(self) -> torch.Tensor:
        """The external item vectors the head scores against: the audience-folded ones in table mode. [n_items + 1, d1]"""
        return self.external.item_table if self.item_graph is None else self.item_graph.table

    def item_vectors(self, items: torch.Tensor) -> torch.Tensor:
        """ids [...] -> [..., H]"""
        return self.map_item(self.item_table[items])

    def audience_vectors(self, users: torch.Tensor) -> torch.Tensor:
        """Sequence mode's audience members: ``user_vectors`` through the gate, if any. [..., H]"""
        v = self.user_vectors(users)
        return v if self.audience_gate is None else self.audience_gate * v

    def catalogue(self) -> torch.Tensor | None:
        """The mapped item table [n_items + 1, H] a tied head scores against (None when untied)."""
        return self.map_item(self.item_table) if self.head.tied else None

    # --- encoding and scoring -------------------------------------------------------------------
    def encode(self, prompts: PromptBatch, histories: torch.Tensor | None = None) -> torch.Tensor:
        """Prompts -> pooled vectors h [B, H] (float32). ``histories`` [B, L] feed own-user slots."""
        embeds = self.backbone.embed_tokens(prompts.input_ids)  # [B, T, H]

        def own_users() -> torch.Tensor:
            if histories is None:
                raise ValueError("a prompt has an own-user slot but no history was given")
            return self.map_user(self.external.encode_history(histories))  # [B, H]

        vectors = slot_vectors(
            prompts, self.user_vectors, self.item_vectors, own_users, embeds.shape[2]
        )  # [N, H]
        x = splice(embeds, slot_mask(prompts), vectors)  # [B, T, H]
        return self.backbone(x, prompts.attention_mask).float()  # [B, H]

    def score(
        self, prompts: PromptBatch, histories: torch.Tensor, items: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Scores of every item for each user prompt [B, n_items + 1]; pass ``items =
        catalogue()`` when scoring many batches with fixed weights."""
        items = self.catalogue() if items is None and self.head.tied else items
        return self.logits(self.encode(prompts, histories), histories, items)

    def encode_sequences(self, inputs: SequenceInputs) -> torch.Tensor:
        """Sequence mode: the state after every item of ``inputs`` [B, L, H] (galrec.model.sequence)."""
        items = self.item_vectors
        if self.item_graph is not None:  # each row's user left out of its own items' audiences
            users = _required(inputs.users, "inputs.users")
            items = lambda ids: self.map_item(self.item_graph.tokens(users, ids))  # noqa: E731
        return encode_sequence(self.backbone, inputs, items, self.audience_vectors, self.separate_audience)

    def score_sequences(self, inputs: SequenceInputs, items: torch.Tensor | None = None) -> torch.Tensor:
        """Sequence mode: scores of every item after each row's last item [B, n_items + 1]."""
        items = self.catalogue() if items is None and self.head.tied else items
        states = self.encode_sequences(inputs)  # [B, L, H]
        with torch.autocast(states.device.type, enabled=False):  # float32 scores: no bfloat16 ties
            return self.head(last_state(states, inputs), None if items is None else items.float())

    def logits(self, h: torch.Tensor, histories: torch.Tensor, items: torch.Tensor | None) -> torch.Tensor:
        """Pooled user vectors h [B, H] -> catalogue scores [B, n_items + 1], with the external
        recommender's scores of ``histories`` [B, L] added when ``external.residual`` is on."""
        scores = self.head(h, items)  # [B, n_items + 1]
        if self.residual_scale is not None:
            scores = scores + self.residual_scale * self.external.score_history(histories)
        return scores

    def bank_mean(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean E0 of the seen bank rows of ids [B, M] -> [B, P], and whether any counted [B]."""
        rows, counts = self.bank.lookup(ids)  # [B, M, H], [B, M]
        z = self.proj(rows, counts)  # [B, M, P], standardised over the counted rows
        w = counts.to(z.dtype)[..., None]  # [B, M, 1]
        return (z * w).sum(1) / w.sum(1).clamp(min=1.0), counts.any(1)

    # --- training -------------------------------------------------------------------------------
    def forward(self, batch: GalRecBatch | SequenceBatch) -> GalRecOutput:
        if isinstance(batch, SequenceBatch):
            return self.forward_sequences(batch)
        h_u = self.encode(batch.user_prompts, batch.histories)  # [B, H]
        scores = self.logits(h_u, batch.histories, self.catalogue())  # [B, n_items + 1]
        l0 = catalogue_cross_entropy(scores, batch.targets)
        item_prompts = lambda: self.proj(self.encode(_required(batch.item_prompts, "item_prompts")))  # noqa: E731
        terms, memory = self.graph_terms(
            h_u, batch.users, batch.targets, batch.hop2_users, batch.hop1_users, item_prompts
        )
        return self._output(l0, terms, memory)

    def forward_sequences(self, batch: SequenceBatch) -> GalRecOutput:
        """Sequence mode: L0 at every position, the graph losses on each user's last state."""
        states = self.encode_sequences(batch.inputs)  # [B, L, H]
        supervised = batch.targets > 0  # [B, L]
        items = self.catalogue()  # [n_items + 1, H] or None
        with torch.autocast(states.device.type, enabled=False):  # the softmax in float32 (precision.py)
            items = None if items is None else items.float()
            head_dtype = native_dtype(self.head_dtype, states.device.type)
            l0 = self.head.loss(states[supervised], items, batch.targets[supervised], head_dtype)
        h_u = last_state(states, batch.inputs)  # [B, H]
        terms, memory = self.graph_terms(h_u, batch.users, batch.last_targets, batch.hop2_users, batch.hop1_users)
        return self._output(l0, terms, memory)

    def _output(
        self, l0: torch.Tensor, terms: dict[str, torch.Tensor], memory: dict[str, torch.Tensor]
    ) -> GalRecOutput:
        """L = L0 + Σ λ_k L_k, with the detached terms and the rows for ``remember``."""
        terms = {"l0": l0, **terms}
        loss = l0 + sum(self.lambdas[k] * v for k, v in terms.items() if k != "l0")
        return GalRecOutput(loss, {k: v.detach() for k, v in terms.items()}, memory)

    def graph_terms(
        self,
        h_u: torch.Tensor,
        users: torch.Tensor,
        items: torch.Tensor,
        hop2_users: torch.Tensor | None,
        hop1_users: torch.Tensor | None,
        item_side: Callable[[], torch.Tensor] | None = None,
    ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """L1-L3 of user vectors h_u [B, H] and their next items [B]. Returns (terms, memory).

        ``item_side()`` gives E0_i [B, P] for L2 (the prefix mode encodes item prompts). Without
        it, E1_i, the bank mean over i's audience, stands for E0_i (sequence mode: an item prompt
        per position would cost a second forward pass per step).
        """
        lam = self.lambdas
        terms: dict[str, torch.Tensor] = {}
        memory = {"users": users, "user_vectors": h_u.detach()}
        if not (lam["l1"] or lam["l2"] or lam["l3"]):
            return terms, memory
        z_u = self.proj(h_u)  # E0_u [B, P]
        memory["user_keys"] = z_u.detach()
        user_blocked = self.user_queue.blocked(users)  # [B, K]
        if lam["l1"] or lam["l3"]:
            e2_u, has_e2 = self.bank_mean(_required(hop2_users, "hop2_users"))  # [B, P], [B]
        if lam["l3"] or (lam["l2"] and item_side is None):
            e1_i, has_e1 = self.bank_mean(_required(hop1_users, "hop1_users"))  # [B, P], [B]
        if lam["l1"]:
            terms["l1"] = info_nce(z_u, e2_u, self.tau, has_e2, users, self.user_queue.keys, user_blocked)
        if lam["l2"]:
            if item_side is None:
                z_i, has_i = e1_i, has_e1
            else:
                z_i, has_i = item_side(), torch.ones_like(items, dtype=torch.bool)  # [B, P], [B]
            item_blocked = self.item_queue.blocked(items)  # [B, K]
            terms["l2"] = info_nce(z_u, z_i, self.tau, has_i, items, self.item_queue.keys, item_blocked)
            memory.update(items=torch.where(has_i & (items > 0), items, 0), item_keys=z_i.detach())
        if lam["l3"]:
            terms["l3"] = info_nce(
                e2_u, e1_i, self.tau, has_e2 & has_e1, items, self.user_queue.keys, user_blocked
            )
        return terms, memory

    @torch.no_grad()
    def remember(
        self,
        users: torch.Tensor,
        user_vectors: torch.Tensor,
        user_keys: torch.Tensor | None = None,
        items: torch.Tensor | None = None,
        item_keys: torch.Tensor | None = None,
    ) -> None:
        """Refresh the bank rows of the encoded users and enqueue the new keys (after the loss)."""
        self.bank.refresh(users, user_vectors)
        if user_keys is not None:
            self.user_queue.enqueue(user_keys, users)
        if item_keys is not None and items is not None:
            self.item_queue.enqueue(item_keys, items)

    # --- what a checkpoint holds ----------------------------------------------------------------
    def parameter_groups(self) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        """Trainable parameters: (language model, mapping layers and heads)."""
        backbone = [p for p in self.backbone.parameters() if p.requires_grad]
        own = {id(p) for p in backbone}
        rest = [p for p in self.parameters() if p.requires_grad and id(p) not in own]
        return backbone, rest

    def training_state(self) -> dict[str, torch.Tensor]:
        """Trainable weights plus queues and bank: everything not rebuilt from the config."""
        trainable = {name for name, p in self.named_parameters() if p.requires_grad}
        return {k: v for k, v in self.state_dict().items() if k in trainable or k.startswith(MEMORY_PREFIXES)}

    def load_training_state(self, state: dict[str, torch.Tensor]) -> None:
        expected = set(self.training_state())
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - set(self.state_dict()))
        if missing or unexpected:
            raise ValueError(
                f"checkpoint does not fit this model: missing {missing[:3]}, unexpected {unexpected[:3]}"
            )
        self.load_state_dict(state, strict=False)


def _required(value: T | None, name: str) -> T:
    if value is None:
        raise ValueError(f"this loss configuration needs batch.{name}, but the collator left it out")
    return value
