"""Typed configs of the baseline runs: one class per model, each a ``BaselineConfig``.

The class defaults are the tuned defaults (chosen by validation NDCG@10 on Beauty; see
``results/baselines.md``); ``configs/<model>.yaml`` spells them out. A YAML file and
``key=value`` overrides are merged onto the defaults, so an unknown key is an error and a partial
``optim:`` section keeps the model's other optimiser defaults.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar, Literal

import torch

from galrec.config import DataConfig, EvalConfig, OptimConfig
from galrec.typed_config import check, from_dict, merge, parse_overrides, read_yaml, to_dict
from galrec.errors import GalrecError
from galrec.paths import tuned_config_dir


@dataclasses.dataclass
class SASRecConfig:
    _section: ClassVar[str] = "sasrec"  # the config key errors name
    hidden: int = 64
    layers: int = 2
    heads: int = 2
    inner: int = 256  # feed-forward width (4x hidden, as in RecBole)
    dropout: float = 0.5  # on embeddings and residual branches; Beauty is small and sparse
    attn_dropout: float = 0.5
    # "ce": softmax over the whole catalogue (much stronger, METHOD.md anchors);
    # "bce": the original paper's one uniformly sampled negative per position;
    # "sampled": softmax over the target and ``negatives`` uniform items shared by the batch,
    # for catalogues where the full softmax costs too much (its work grows with items x positions).
    loss: Literal["ce", "bce", "sampled"] = "ce"
    negatives: int = 256  # the sampled softmax's shared negatives
    # dtype of the catalogue products of loss "ce" (galrec/baselines/catalogue_ce.py): "bfloat16"
    # is 5-6x faster on CPUs with AVX-512 BF16 and on GPUs; the softmax stays in float32.
    ce_dtype: Literal["float32", "bfloat16"] = "float32"
    # "pre_ln": pre-LayerNorm blocks (GPT-2 style) with a GELU feed-forward part; "original": the
    # block of the SASRec paper's code (galrec/baselines/sasrec.py, OriginalBlock), item
    # embeddings scaled by sqrt(hidden). BSARec: "pre_ln" keeps its paper's post-LayerNorm block,
    # "original" puts its filter branch into that SASRec block (galrec/baselines/bsarec.py).
    block: Literal["pre_ln", "original"] = "pre_ln"
    # "from_first": position 0 is a window's first item, so one causal pass over a window trains
    # exactly what every prefix of it would; "from_last": position max_len-1 is the last item, so
    # with ``samples: prefixes`` a position says how far back an item lies from the one being
    # predicted (the S3-Rec / FMLP-Rec / BSARec code: left-padded prefixes, absolute positions).
    # With windows, "from_last" counts back from the window's last input, the item every
    # recommendation is made after; the tuned Beauty config uses it (results/baselines.md).
    positions: Literal["from_first", "from_last"] = "from_first"
    # "windows": a window per user, every position a target, one causal pass; "prefixes": every
    # training prefix is its own sample with one target, at its last position (the same targets,
    # the data pipeline of the published cross-entropy logs; more forward work per epoch).
    samples: Literal["windows", "prefixes"] = "windows"
    # LayerNorm on item + position embeddings before their dropout: the BERT-style code of S3-Rec,
    # FMLP-Rec and BSARec (results/baselines.md); the SASRec paper's code has none
    emb_norm: bool = False
    # "masked": attention sees real items only; "attended": every window is left-padded to max_len
    # and its padding slots stay visible as keys (zero rows: key and value are the projections'
    # biases), as in the published cross-entropy SASRec code (freerec, pmixer's port), where they
    # act as attention sinks that damp the attention of short histories (results/baselines.md)
    padding_keys: Literal["masked", "attended"] = "masked"
    # block "original" only: the attention's residual is its normalised input ("normed", pmixer's
    # port) or the raw one ("raw", the freerec code behind the published cross-entropy logs)
    attn_residual: Literal["normed", "raw"] = "normed"
    # "normal": N(0, 0.02) weights (BERT, RecBole); "xavier": Xavier-normal weights and embeddings,
    # as the published cross-entropy code has it (the position table then starts at std 0.13 instead
    # of 0.02, level with the scaled item vectors)
    init: Literal["normal", "xavier"] = "normal"

    def __post_init__(self) -> None:
        check(self.padding_keys == "masked" or self.positions == "from_last",
               f"{self._section}.padding_keys",
               "'attended' pads every window to max_len on the left: it needs positions: from_last")
        check(self.attn_residual == "normed" or self.block == "original", f"{self._section}.attn_residual",
               "'raw' is an option of block: original")
        for key in ("hidden", "layers", "heads", "inner"):
            v = getattr(self, key)
            check(v > 0, f"{self._section}.{key}", f"must be > 0, got {v}")
        check(self.negatives > 0, f"{self._section}.negatives", f"must be > 0, got {self.negatives}")
        check(self.hidden % self.heads == 0, f"{self._section}.hidden",
               f"{self.hidden} is not divisible by heads={self.heads}")
        for key in ("dropout", "attn_dropout"):
            v = getattr(self, key)
            check(0.0 <= v < 1.0, f"{self._section}.{key}", f"must be in [0, 1), got {v}")


@dataclasses.dataclass
class BSARecConfig(SASRecConfig):
    """SASRec's settings plus the frequency branch (galrec/baselines/bsarec.py)."""

    _section: ClassVar[str] = "bsarec"
    heads: int = 1  # the paper's setting
    alpha: float = 0.7  # weight of the filter branch against self-attention (the paper's Beauty value)
    c: int = 5  # the low band keeps frequencies 0 .. c//2 of the max_len-point window (paper: Beauty 5)
    # "causal": each position filtered over the max_len positions ending at it, so one causal pass
    # trains every position; "window": the published code's filter over the whole left-padded
    # window, where earlier positions see later ones (only with ``samples: prefixes``, whose one
    # target per window sits at the last position).
    filter: Literal["causal", "window"] = "causal"
    # the filter's high-band scale sqrt(β) per dimension at the start: "ones" passes the input
    # through unchanged; "randn" draws it from N(0, 1), as the published code does
    beta_init: Literal["ones", "randn"] = "ones"

    def __post_init__(self) -> None:
        super().__post_init__()
        check(self.filter == "causal" or self.samples == "prefixes", "bsarec.filter",
               "'window' lets earlier positions see later items: it needs bsarec.samples=prefixes "
               "(one target per window, at its last position)")
        check(self.padding_keys == "masked", "bsarec.padding_keys",
               "only 'masked': the filter branch sees zeros before a sequence, not padding embeddings")
        check(0.0 <= self.alpha <= 1.0, "bsarec.alpha", f"must be in [0, 1], got {self.alpha}")
        check(self.c >= 1, "bsarec.c", f"must be >= 1, got {self.c}")


@dataclasses.dataclass
class LightGCNConfig:
    dim: int = 64
    layers: int = 3  # propagation hops; the paper's best on its datasets
    reg: float = 1e-4  # λ of the L2 term on the batch's layer-0 embeddings

    def __post_init__(self) -> None:
        check(self.dim > 0, "lightgcn.dim", f"must be > 0, got {self.dim}")
        check(self.layers >= 0, "lightgcn.layers", f"must be >= 0, got {self.layers}")
        check(self.reg >= 0, "lightgcn.reg", f"must be >= 0, got {self.reg}")


@dataclasses.dataclass
class TextConfig:
    encoder: str = "minilm-l6"  # a built-in sentence encoder or a local Hugging Face folder
    categories: bool = True  # each title followed by its category path (Yelp's titles are bare names)
    max_tokens: int = 64
    batch_size: int = 128  # texts per encoder pass

    def __post_init__(self) -> None:
        check(self.max_tokens > 0, "text.max_tokens", f"must be > 0, got {self.max_tokens}")
        check(self.batch_size > 0, "text.batch_size", f"must be > 0, got {self.batch_size}")


@dataclasses.dataclass
class BaselineConfig:
    model: str = ""
    seed: int = 0
    device: str = "cpu"  # any torch device string: "cpu", "cuda", "cuda:1", "mps"
    # torch CPU threads; 0: torch's default (OMP_NUM_THREADS when set, else the cores). Use 1 when
    # other jobs share the cores: torch's threads then wait on each other at every barrier (3x
    # slower measured on 2 busy cores).
    threads: int = 0
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    eval: EvalConfig = dataclasses.field(default_factory=EvalConfig)
    optim: OptimConfig = dataclasses.field(default_factory=OptimConfig)

    def __post_init__(self) -> None:
        check(self.seed >= 0, "seed", f"must be >= 0, got {self.seed}")
        check(self.threads >= 0, "threads", f"must be >= 0, got {self.threads}")
        try:
            torch.device(self.device)
        except RuntimeError:
            raise GalrecError(f"config value device: {self.device!r} is not a torch device (cpu, cuda, cuda:1, mps)") from None


@dataclasses.dataclass
class PopRunConfig(BaselineConfig):
    model: Literal["pop"] = "pop"


@dataclasses.dataclass
class SASRecRunConfig(BaselineConfig):
    model: Literal["sasrec"] = "sasrec"
    # lr 1e-3 beat 2e-3 on validation NDCG@10 at equal epochs; patience 5 passes is enough
    # for a curve this smooth and keeps the run short.
    optim: OptimConfig = dataclasses.field(default_factory=lambda: OptimConfig(lr=1e-3, batch_size=128, patience=5))
    sasrec: SASRecConfig = dataclasses.field(default_factory=SASRecConfig)


@dataclasses.dataclass
class BSARecRunConfig(BaselineConfig):
    model: Literal["bsarec"] = "bsarec"
    optim: OptimConfig = dataclasses.field(default_factory=lambda: OptimConfig(lr=1e-3, batch_size=128, patience=5))
    bsarec: BSARecConfig = dataclasses.field(default_factory=BSARecConfig)


@dataclasses.dataclass
class LightGCNRunConfig(BaselineConfig):
    model: Literal["lightgcn"] = "lightgcn"
    # Full-graph propagation per step: large batches amortise it.
    optim: OptimConfig = dataclasses.field(default_factory=lambda: OptimConfig(lr=5e-3, batch_size=2048))
    lightgcn: LightGCNConfig = dataclasses.field(default_factory=LightGCNConfig)


@dataclasses.dataclass
class TextRunConfig(BaselineConfig):
    model: Literal["text"] = "text"
    text: TextConfig = dataclasses.field(default_factory=TextConfig)


def tuned_config_path(model: str, dataset: str) -> Path | None:
    """``configs/baselines/<model>-<dataset>.yaml`` for a dataset name or path, if there is one."""
    path = tuned_config_dir() / f"{model}-{Path(dataset).name}.yaml"
    return path if path.is_file() else None


def resolve_config(
    cls: type[BaselineConfig],
    path: str | Path | None = None,
    overrides: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> BaselineConfig:
    """Defaults of ``cls`` <- the tuned file of its dataset <- YAML file <- ``extra`` (already
    parsed) <- ``key=value`` overrides.

    The tuned file (``tuned_config_path``) is picked by the dataset the later layers name, so
    ``--dataset yelp`` gets Yelp's settings and any key set explicitly still wins.
    """
    layers = [read_yaml(path) if path else {}, extra or {}, parse_overrides(overrides or [])]
    raw = to_dict(cls())
    for layer in layers:
        raw = merge(raw, layer)
    tuned = tuned_config_path(str(raw.get("model")), str(raw.get("data", {}).get("dataset", "")))
    if tuned is not None:
        raw = to_dict(cls())
        for layer in (read_yaml(tuned), *layers):
            raw = merge(raw, layer)
    return from_dict(cls, raw)
