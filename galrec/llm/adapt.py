"""Make a backbone fit a budget: drop upper layers, freeze lower ones, or train LoRA adapters."""

from __future__ import annotations

from peft import LoraConfig, get_peft_model
from torch import nn
from transformers import PreTrainedModel

from galrec.errors import GalrecError

# q/k/v/o attention projections, by naming family: Llama-style decoders and BERT-style encoders.
_LORA_TARGETS = {
    "q_proj": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "query": ["query", "key", "value", "attention.output.dense"],
}


def layer_list(model: nn.Module) -> nn.ModuleList:
    """The stack of transformer blocks (``layers`` in Llama, ``encoder.layer`` in BERT, ...).

    Found as the ModuleList whose length is ``config.num_hidden_layers``, so no per-family
    attribute table is needed.
    """
    n = model.config.num_hidden_layers
    for module in model.modules():
        if isinstance(module, nn.ModuleList) and len(module) == n:
            return module
    raise GalrecError(f"cannot find the {n} transformer layers of {type(model).__name__}")


def keep_first_layers(model: PreTrainedModel, n: int) -> None:
    """Drop every transformer layer above the first ``n``, in place, and say so in the config."""
    layers = layer_list(model)
    if n > len(layers):
        raise GalrecError(f"backbone.keep_layers={n} but the model has only {len(layers)} layers")
    del layers[n:]
    model.config.num_hidden_layers = n
    if isinstance(getattr(model.config, "layer_types", None), list):  # per-layer attention kinds
        model.config.layer_types = model.config.layer_types[:n]


def freeze_lower(model: PreTrainedModel, n: int) -> None:
    """Freeze the input embeddings and the lowest ``n`` layers (the most generic features)."""
    layers = layer_list(model)
    embeddings = getattr(model, "embeddings", None) or model.get_input_embeddings()
    embeddings.requires_grad_(False)
    for layer in layers[:n]:
        layer.requires_grad_(False)


def add_lora(model: PreTrainedModel, rank: int, alpha: int, skip_layers: int) -> nn.Module:
    """Wrap ``model`` with LoRA adapters on the attention projections; only adapters train.

    Layers below ``skip_layers`` (the frozen ones) get no adapters. Targets are listed by full
    module name because peft's ``layers_to_transform`` does not recognise a bare base model's
    top-level ``layers.N`` names.
    """
    leaves = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    family = next((key for key in _LORA_TARGETS if key in leaves), None)
    if family is None:
        raise GalrecError(f"no q/k/v/o projections found for LoRA in {type(model).__name__}")
    adapted = {id(layer) for layer in layer_list(model)[skip_layers:]}
    layer_names = [name for name, module in model.named_modules() if id(module) in adapted]
    suffixes = tuple("." + target for target in _LORA_TARGETS[family])
    targets = [
        name
        for name, _ in model.named_modules()
        if name.endswith(suffixes) and any(name.startswith(layer + ".") for layer in layer_names)
    ]
    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.0, target_modules=targets)
    return get_peft_model(model, config)
