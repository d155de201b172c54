"""Typed configuration of GAL-Rec: one dataclass tree is the single source of truth.

Configs come from YAML files plus ``key=value`` overrides (``loss.l1=0.1``), read by
``galrec.typed_config``: an unknown key, a wrong type or an out-of-range value is a
``GalrecError`` that names the key. ``__post_init__`` methods hold the range checks.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from galrec.typed_config import check


@dataclasses.dataclass
class DataConfig:
    dataset: str = "beauty"  # a name under $GALREC_DATA_DIR or a path
    max_len: int = 50  # most recent items a sequence model sees (SASRec's standard)
    # "all_prefixes": every prefix of the training part is an example (the field's standard);
    # "last": only the whole training part predicts its last item.
    train_examples: Literal["all_prefixes", "last"] = "all_prefixes"
    # Mask every history item at ranking time, a repeated target included (S3-Rec/RecBole rule).
    mask_repeats: bool = True

    def __post_init__(self) -> None:
        check(self.max_len >= 2, "data.max_len", f"must be >= 2, got {self.max_len}")


@dataclasses.dataclass
class EvalConfig:
    protocol: Literal["full", "sampled-100"] = "full"
    batch_size: int = 1024  # users per matrix product; on a CPU capped at 16 MB of scores
    ks: list[int] = dataclasses.field(default_factory=lambda: [5, 10, 20])
    # the test pass ranks a seeded subset of this many users (0: all). Every model and row with the
    # same seed gets the same users, so their metrics and ranks.tsv files compare user by user; a
    # language model's test pass is one forward per user, the CPU budget's largest single cost.
    test_users: int = 0

    def __post_init__(self) -> None:
        check(self.batch_size > 0, "eval.batch_size", f"must be > 0, got {self.batch_size}")
        check(self.test_users >= 0, "eval.test_users", f"must be >= 0 (0: all users), got {self.test_users}")
        check(all(k > 0 for k in self.ks), "eval.ks", f"every K must be > 0, got {self.ks}")


@dataclasses.dataclass
class OptimConfig:
    lr: float = 1e-3
    weight_decay: float = 0.0  # the λ4 ||Θ||² term of METHOD.md, applied by AdamW
    batch_size: int = 256
    max_epochs: int = 200
    patience: int = 10  # epochs without a better validation NDCG@10 before stopping
    eval_every: int = 1  # epochs between validation passes
    max_minutes: float = 0.0  # wall-clock cap on training (0: none); the best checkpoint is kept
    # "cosine": linear warm-up over ``warmup_epochs``, then a cosine from ``lr`` down to a tenth of
    # it at ``max_epochs`` (galrec/schedules.py); "constant": ``lr`` throughout.
    schedule: Literal["constant", "cosine"] = "constant"
    warmup_epochs: float = 0.0
    # sequence models: batches per chunk whose windows are sorted by length, so a batch holds
    # windows of one length and is cut to it (cheaper); 0: batches of random windows
    length_grouping: int = 50

    def __post_init__(self) -> None:
        check(self.lr > 0, "optim.lr", f"must be > 0, got {self.lr}")
        check(self.warmup_epochs >= 0, "optim.warmup_epochs", f"must be >= 0, got {self.warmup_epochs}")
        check(self.length_grouping >= 0, "optim.length_grouping", f"must be >= 0, got {self.length_grouping}")
        check(self.batch_size > 0, "optim.batch_size", f"must be > 0, got {self.batch_size}")
        check(self.max_epochs > 0, "optim.max_epochs", f"must be > 0, got {self.max_epochs}")
        check(self.patience > 0, "optim.patience", f"must be > 0, got {self.patience}")


# ---------------------------------------------------------------------------------------------
# GAL-Rec (METHOD.md). Each graph component can be switched off here; with all of them off the
# same code is the E4SRec-style ablation (external ID embeddings + language model + catalogue
# head).


@dataclasses.dataclass
class BackboneConfig:
    # "smollm2-135m", "minilm-l6", "gemma3-270m", "tiny-random", or a local Hugging Face folder
    name: str = "smollm2-135m"
    keep_layers: int = 0  # keep only the first N transformer layers (0: all); CPU budgets
    freeze_layers: int = 0  # freeze the embeddings and the lowest N kept layers
    lora_rank: int = 0  # 0: full fine-tuning of the unfrozen part; > 0: LoRA adapters (peft)
    lora_alpha: int = 16
    gradient_checkpointing: bool = False
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"

    def __post_init__(self) -> None:
        check(self.keep_layers >= 0, "backbone.keep_layers", f"must be >= 0, got {self.keep_layers}")
        check(self.freeze_layers >= 0, "backbone.freeze_layers", f"must be >= 0, got {self.freeze_layers}")
        check(self.lora_rank >= 0, "backbone.lora_rank", f"must be >= 0, got {self.lora_rank}")


@dataclasses.dataclass
class PromptConfig:
    # none: only the node itself (and a user's history, listed); listed: one placeholder per
    # sampled neighbour; compact: one placeholder per hop (a user's history included) holding
    # the mean of the neighbours' mapped embeddings, so a prompt has a fixed token count. The
    # order of the history survives compaction in the own-user vector (the external model's
    # encoding of the history).
    neighbours: Literal["none", "listed", "compact"] = "listed"
    # <user>/<item> placeholders carry mapped external ID embeddings. Off (with titles on) gives
    # the text-only recommender: items are their titles, users have no text of their own, so
    # the prompt's user reads as `anonymous_user` and lists of users are left out.
    ids: bool = True
    titles: bool = False  # each listed item's title follows its placeholder (hybrid prompt)
    title_tokens: int = 12  # titles are cut to this many tokens
    history_items: int = 20  # most recent 1-hop items a user prompt lists
    n_hop2_users: int = 5  # 2-hop users in a user prompt (drawn by shared-item count)
    n_hop1_users: int = 5  # 1-hop users in an item prompt
    n_hop2_items: int = 5  # 2-hop (co-interacted) items in an item prompt
    # Placeholders: a user template may use <user> (the prompt's own user), <items> (its
    # history) and <hop2> (2-hop users); an item template <item>, <hop1> (its users) and <hop2>
    # (co-interacted items).
    user_template: str = (
        "User <user> bought <items>. Users who bought the same things: <hop2>. "
        "Which item will the user buy next?"
    )
    item_template: str = "Item <item> was bought by <hop1>. Bought together with: <hop2>."
    list_separator: str = ","  # between listed neighbours; one token in BPE vocabularies
    anonymous_user: str = "a user"  # the prompt's own user when ids are off
    # train.mode=sequence: the text before a user's items, then one token per item (METHOD.md,
    # "All-position training"). What each item token also carries of the graph:
    # none: only the item; sum: plus the mean mapped vector of ``n_hop1_users`` sampled other
    # users of the item (the GNN's aggregation step: the user's 2-hop neighbours through it);
    # token: that mean as a token of its own after the item (two tokens per item); table: each item
    # vector folded with the mean of all its training users before mapping, on the input tokens
    # (the row's user left out) and in the tied head (galrec.model.item_graph).
    sequence_prefix: str = "A user bought, in order:"
    sequence_neighbours: Literal["none", "sum", "token", "table"] = "none"
    # the audience vectors times a learned scalar that starts at 0, so that training starts from
    # the item-only model and lets the audience in as far as it helps (sum mode adds it to the
    # item's own token: un-gated, it perturbs every input at initialisation)
    audience_gate: bool = False

    def __post_init__(self) -> None:
        for key in ("history_items", "n_hop2_users", "n_hop1_users", "n_hop2_items", "title_tokens"):
            check(getattr(self, key) >= 0, f"prompt.{key}", f"must be >= 0, got {getattr(self, key)}")
        check(self.ids or self.titles, "prompt.ids", "ids and titles cannot both be off")
        check(
            self.ids or self.neighbours != "compact",
            "prompt.neighbours",
            "compact tokens average ID embeddings, so they need prompt.ids: true",
        )
        check(
            self.ids or self.title_tokens > 0,
            "prompt.title_tokens",
            "must be > 0 when prompt.ids is off (titles are then the only item text)",
        )


@dataclasses.dataclass
class LossConfig:
    l1: float = 0.1  # λ1, L_U2U: E0_u vs E2_u
    l2: float = 0.1  # λ2, L_U2I: E0_u vs E0_i
    l3: float = 0.1  # λ3, E2_u vs E1_i
    tau: float = 0.1  # InfoNCE temperature
    proj_dim: int = 128  # projection head output (contrastive space)
    # Neighbours drawn per node for the bank means E2_u and E1_i. Only rows the bank has seen
    # count, and early in training most have not, so this is larger than a prompt's list.
    bank_neighbours: int = 20

    def __post_init__(self) -> None:
        for key in ("l1", "l2", "l3"):
            check(getattr(self, key) >= 0, f"loss.{key}", f"must be >= 0, got {getattr(self, key)}")
        check(self.tau > 0, "loss.tau", f"must be > 0, got {self.tau}")
        check(self.proj_dim > 0, "loss.proj_dim", f"must be > 0, got {self.proj_dim}")
        check(self.bank_neighbours > 0, "loss.bank_neighbours", f"must be > 0, got {self.bank_neighbours}")


@dataclasses.dataclass
class QueueConfig:
    size: int = 4096  # negatives kept per queue; 0: in-batch negatives only

    def __post_init__(self) -> None:
        check(self.size >= 0, "queue.size", f"must be >= 0, got {self.size}")


@dataclasses.dataclass
class ExternalConfig:
    # who supplies item/user ID embeddings; "text": item titles through MiniLM, users the mean of
    # their history, no collaborative signal in the table (galrec.baselines.text)
    source: Literal["sasrec", "bsarec", "lightgcn", "text"] = "sasrec"
    mapping_hidden: int = 256  # d2 of the d1 -> d2 -> H mapping MLP
    # subtract each table's mean real row before mapping (lightgcn and text only): MiniLM vectors
    # share a common component larger than what tells them apart (norm 0.57 against 0.45 for text
    # users on Beauty), so an audience of a few users is mostly that component
    center: bool = False
    tie_head: bool = True  # score items against their mapped external embeddings
    # Add the external recommender's own scores to the head's, scaled by a learned scalar that
    # starts at 1: the language model then learns a correction to SASRec/LightGCN instead of
    # relearning its ranking from scratch, which a short CPU budget cannot afford.
    residual: bool = False
    # after training, fit one weight of log_softmax(external) + log_softmax(LM) on validation users
    # and write that fusion as RUN/fused/ (galrec/training/fusion.py): SASRec's scores never
    # enter training, so there is no stacking leak
    fusion: bool = False
    # the validation users the fusion weight is fitted on: "epoch_users", the per-epoch validation
    # subset (train.valid_users; no extra pass), or "all", every validation user (one more
    # language-model pass over them; on Yelp 2,000 users were too few to fit it, results/galrec-sequence-yelp.md)
    fusion_users: Literal["epoch_users", "all"] = "epoch_users"
    # the model fused in: "external", the run the language model reads, or another baseline, from
    # fusion_run_dir or trained once and cached like the external one (its tuned config plus
    # fusion_overrides). A language model that reads LightGCN's table is a better partner for SASRec
    # than one that reads SASRec's own (results/lightgcn-fed.md)
    fusion_source: Literal["external", "sasrec", "bsarec", "lightgcn", "text"] = "external"
    fusion_run_dir: str = ""
    fusion_overrides: list[str] = dataclasses.field(default_factory=list)
    run_dir: str = ""  # a baseline run to take embeddings from ("": train/reuse a cached one)
    # key=value overrides of the cached baseline's config (e.g. "optim.max_epochs=30"); they
    # are part of the cache key. Ignored when run_dir is set.
    baseline_overrides: list[str] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        check(self.mapping_hidden > 0, "external.mapping_hidden", f"must be > 0, got {self.mapping_hidden}")
        check(
            self.fusion_source != self.source,
            "external.fusion_source",
            f"is external.source ({self.source!r}): say 'external' to fuse with the run the language model reads",
        )
        check(
            not self.center or self.source in ("lightgcn", "text"),
            "external.center",
            f"centres tables whose users are history means (lightgcn, text), not {self.source!r}'s encoder",
        )

    @property
    def fused_in(self) -> str | None:
        """The second baseline fused with the language model; None when the fusion is off or uses the external run."""
        return self.fusion_source if self.fusion and self.fusion_source != "external" else None


@dataclasses.dataclass
class TrainConfig:
    lr: float = 1e-4
    head_lr: float = 1e-3  # mapping layers and heads learn faster than the backbone
    weight_decay: float = 0.01  # λ4
    batch_size: int = 16
    grad_accum: int = 1
    warmup_steps: int = 50
    max_epochs: int = 3
    samples_per_epoch: int = 0  # cap on training examples per epoch (0: all); CPU budgets
    valid_users: int = 0  # users in the per-epoch validation pass (0: all)
    patience: int = 2
    max_minutes: float = 0.0  # wall-clock cap (0: none)
    checkpoint_every: int = 200  # optimizer steps between checkpoints
    max_grad_norm: float = 1.0  # gradient clipping (0: none); LM fine-tuning spikes without it
    # prefix: one prompt per (user, prefix) example, one target each (the paper's literal form);
    # sequence: one causal pass over a user's training sequence supervises the next item at every
    # position, as SASRec does (METHOD.md, "All-position training"); samples are users then.
    mode: Literal["prefix", "sequence"] = "prefix"
    # sequence mode: users sorted by length within chunks of this many batches, a batch holding
    # about batch_size x mean length targets (galrec.data.grouping); 0: random batches of batch_size
    length_grouping: int = 50
    # bf16: the forward passes under bfloat16 autocast, weights and the head's softmax in float32
    # (galrec/training/precision.py); about 2x the targets per second on AVX-512 BF16 CPUs
    mixed_precision: Literal["no", "bf16"] = "no"
    # the catalogue head's three matrix products (galrec.baselines.catalogue_ce), sequence mode
    head_dtype: Literal["float32", "bfloat16"] = "float32"

    def __post_init__(self) -> None:
        for key in ("lr", "head_lr"):
            check(getattr(self, key) > 0, f"train.{key}", f"must be > 0, got {getattr(self, key)}")
        for key in ("batch_size", "grad_accum", "max_epochs", "patience", "checkpoint_every"):
            check(getattr(self, key) > 0, f"train.{key}", f"must be > 0, got {getattr(self, key)}")
        for key in ("weight_decay", "warmup_steps", "samples_per_epoch", "valid_users", "max_minutes",
                    "max_grad_norm", "length_grouping"):
            check(getattr(self, key) >= 0, f"train.{key}", f"must be >= 0, got {getattr(self, key)}")


@dataclasses.dataclass
class GalRecConfig:
    seed: int = 0
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    eval: EvalConfig = dataclasses.field(default_factory=EvalConfig)
    backbone: BackboneConfig = dataclasses.field(default_factory=BackboneConfig)
    prompt: PromptConfig = dataclasses.field(default_factory=PromptConfig)
    loss: LossConfig = dataclasses.field(default_factory=LossConfig)
    queue: QueueConfig = dataclasses.field(default_factory=QueueConfig)
    external: ExternalConfig = dataclasses.field(default_factory=ExternalConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        check(self.seed >= 0, "seed", f"must be >= 0 (numpy seeds are non-negative), got {self.seed}")
        check(
            self.train.mode == "prefix" or not self.external.residual,
            "external.residual",
            "is not available with train.mode=sequence: SASRec's scores on its own training targets "
            "would leak into the training positions; fuse after training instead (galrec.training.fusion)",
        )
        check(
            self.train.mode == "prefix" or self.prompt.ids,
            "prompt.ids",
            "train.mode=sequence feeds items as their mapped ID embeddings, so it needs prompt.ids: true "
            "(the text-only recommender is a prefix-mode row)",
        )
        check(
            self.prompt.sequence_neighbours != "table" or (self.train.mode == "sequence" and self.external.tie_head),
            "prompt.sequence_neighbours",
            "table folds the audience into the item vectors that the input tokens and a tied head read: "
            "it needs train.mode=sequence and external.tie_head: true",
        )
