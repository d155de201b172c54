"""``Backbone``: a Hugging Face base model that turns ``inputs_embeds`` into one vector per prompt."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from transformers import AutoModel, AutoTokenizer, PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase
from transformers.models.auto.modeling_auto import (
    MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
    MODEL_FOR_MASKED_LM_MAPPING_NAMES,
)

from galrec.config import BackboneConfig
from galrec.errors import GalrecError
from galrec.llm import adapt, builtin
from galrec.llm.pooling import last_token_pool, mean_pool

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class Backbone(nn.Module):
    """The language model without its head: prompt embeddings in, pooled vector out.

    ``model`` is the base model (``LlamaModel``, ``BertModel``, ...), possibly wrapped by peft.
    Pooling follows METHOD.md: the last real token for decoder-only models, the masked mean
    for encoders; batches are right padded.
    """

    def __init__(
        self, model: nn.Module, tokenizer: PreTrainedTokenizerBase, is_causal: bool, name: str
    ) -> None:
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        self.is_causal = is_causal
        self.name = name
        self.hidden_size = int(model.config.hidden_size)

    def embed_tokens(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model.get_input_embeddings()(input_ids)  # [B, T, H]

    def hidden_states(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The last layer's hidden state at every position. [B, T, H]"""
        extra = {"use_cache": False} if self.is_causal else {}  # no KV cache: one pass per prompt
        return self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask, **extra).last_hidden_state

    def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.hidden_states(inputs_embeds, attention_mask)  # [B, T, H]
        pool = last_token_pool if self.is_causal else mean_pool
        return pool(hidden, attention_mask)  # [B, H]

    @property
    def n_layers(self) -> int:
        return len(adapt.layer_list(self.model))

    def summary(self) -> dict[str, object]:
        """What a run records about its backbone (layers after ``keep_layers``, trainable size)."""
        params = list(self.parameters())
        return {
            "name": self.name,
            "causal": self.is_causal,
            "hidden_size": self.hidden_size,
            "layers": self.n_layers,
            "parameters": sum(p.numel() for p in params),
            "trainable_parameters": sum(p.numel() for p in params if p.requires_grad),
        }


def is_causal_config(config: PretrainedConfig) -> bool:
    """Decoder-only or encoder, from a model config (decides the pooling)."""
    if getattr(config, "is_decoder", False):
        return True
    archs = config.architectures or []
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        return True
    if any(a.endswith(("ForMaskedLM", "ForPreTraining")) for a in archs):
        return False
    # BERT-likes also appear in the causal-LM table (as decoders), so the masked-LM table wins
    if config.model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES:
        return False
    if config.model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        return True
    raise GalrecError(
        f"cannot tell whether model type {config.model_type!r} is a decoder or an encoder; "
        "set is_decoder in its config.json"
    )


def backbone_folder(name: str) -> Path | None:
    """The Hugging Face folder behind ``name`` (None for tiny-random, which has no weights)."""
    if name in builtin.FOLDERS:
        return builtin.FOLDERS[name]()
    if name == "tiny-random":
        return None
    folder = Path(name).expanduser()
    if (folder / "config.json").is_file():
        return folder
    raise GalrecError(
        f"backbone.name {name!r} is neither a built-in backbone ({', '.join(builtin.BUILTIN_NAMES)}) "
        "nor a local folder with a config.json"
    )


def load_tokenizer(name: str) -> PreTrainedTokenizerBase:
    """The tokenizer of backbone ``name`` without loading its weights (prompts, ``prompt show``)."""
    folder = backbone_folder(name) or builtin.smollm2_tokenizer_folder()
    return AutoTokenizer.from_pretrained(folder, local_files_only=True)


def _load_model(name: str, tokenizer: PreTrainedTokenizerBase, dtype: torch.dtype) -> PreTrainedModel:
    folder = backbone_folder(name)
    if folder is None:
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        return builtin.tiny_random_model(len(tokenizer), pad).to(dtype)
    return AutoModel.from_pretrained(folder, dtype=dtype, local_files_only=True)


def _enable_checkpointing(model: PreTrainedModel) -> None:
    """Recompute layer activations in the backward pass (transformers 5 renamed the switch).

    Non-reentrant, so it works when the inputs (frozen embeddings) do not require grad.
    """
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def load_backbone(cfg: BackboneConfig) -> Backbone:
    """Load ``cfg.name`` and apply ``keep_layers``, ``freeze_layers``, LoRA and checkpointing."""
    tokenizer = load_tokenizer(cfg.name)
    model = _load_model(cfg.name, tokenizer, DTYPES[cfg.dtype])
    is_causal = is_causal_config(model.config)
    if getattr(model, "pooler", None) is not None:
        model.pooler = None  # we pool ourselves; an unused pooler would hold gradient-less weights
    if cfg.keep_layers:
        adapt.keep_first_layers(model, cfg.keep_layers)
    if cfg.gradient_checkpointing:
        _enable_checkpointing(model)
    n_layers = len(adapt.layer_list(model))
    if cfg.freeze_layers > n_layers:
        raise GalrecError(f"backbone.freeze_layers={cfg.freeze_layers} but only {n_layers} layers are kept")
    if cfg.lora_rank:  # peft freezes every base weight, embeddings included
        model = adapt.add_lora(model, cfg.lora_rank, cfg.lora_alpha, skip_layers=cfg.freeze_layers)
    elif cfg.freeze_layers:
        adapt.freeze_lower(model, cfg.freeze_layers)
    return Backbone(model, tokenizer, is_causal, cfg.name)
