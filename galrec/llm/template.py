"""Templates as data: parse placeholders, tokenise every fixed piece once.

A prompt is later assembled by concatenating token-id arrays, so the tokenizer never runs per
prompt. Text next to a placeholder keeps its leading space and loses its trailing one: the
placeholder stands for a word, and in BPE vocabularies a trailing space would be a token of its
own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from transformers import PreTrainedTokenizerBase

from galrec.errors import GalrecError

USER_PLACEHOLDERS = ("<user>", "<items>", "<hop2>")
ITEM_PLACEHOLDERS = ("<item>", "<hop1>", "<hop2>")
_TAG = re.compile(r"(<[A-Za-z0-9_]+>)")


def parse_template(text: str, allowed: tuple[str, ...], key: str) -> list[str]:
    """``text`` split into text pieces and placeholders, the placeholders checked against ``allowed``."""
    parts = [p for p in _TAG.split(text) if p]
    unknown = [p for p in parts if _TAG.fullmatch(p) and p not in allowed]
    if unknown:
        raise GalrecError(
            f"config value {key}: unknown placeholder {unknown[0]}; allowed: {' '.join(allowed)}"
        )
    return parts


def is_placeholder(part: str) -> bool:
    return _TAG.fullmatch(part) is not None


def encode_text(tokenizer: PreTrainedTokenizerBase, text: str) -> np.ndarray:
    return np.asarray(tokenizer(text, add_special_tokens=False)["input_ids"], dtype=np.int64)


Part = str | np.ndarray  # a placeholder name, or the token ids of a text piece


def tokenise_template(tokenizer: PreTrainedTokenizerBase, parts: list[str]) -> list[Part]:
    """Placeholders stay names; text pieces become token ids (trailing space dropped before a tag)."""
    out: list[Part] = []
    for i, part in enumerate(parts):
        if is_placeholder(part):
            out.append(part)
            continue
        before_tag = i + 1 < len(parts) and is_placeholder(parts[i + 1])
        out.append(encode_text(tokenizer, part.rstrip() if before_tag else part))
    return out


@dataclass
class TokenPieces:
    """Token ids of the fixed pieces that do not come from a template, computed once."""

    pad_id: int  # fills padding and placeholder positions (the model overwrites the latter)
    prefix: np.ndarray  # special tokens the tokenizer puts before a text ([CLS], <s>, ...)
    suffix: np.ndarray  # ... and after it ([SEP])
    separator: np.ndarray  # between listed neighbours
    anonymous_user: np.ndarray  # the own user when ids are off

    @classmethod
    def build(cls, tokenizer: PreTrainedTokenizerBase, separator: str, anonymous_user: str) -> TokenPieces:
        pad = tokenizer.pad_token_id
        pad = pad if pad is not None else tokenizer.eos_token_id
        probe = encode_text(tokenizer, "a").tolist()
        full = list(tokenizer("a", add_special_tokens=True)["input_ids"])
        at = next(i for i in range(len(full)) if full[i : i + len(probe)] == probe)
        return cls(
            pad_id=int(pad if pad is not None else 0),
            prefix=np.asarray(full[:at], dtype=np.int64),
            suffix=np.asarray(full[at + len(probe) :], dtype=np.int64),
            separator=encode_text(tokenizer, separator),
            anonymous_user=encode_text(tokenizer, " " + anonymous_user),
        )


@dataclass
class TitleTable:
    """Every item's title as at most ``width`` token ids, tokenised once. ids: [n_items + 1, width]"""

    ids: np.ndarray  # [n_items + 1, width], 0 beyond each length
    lengths: np.ndarray  # [n_items + 1]; 0 for padding and untitled items

    @classmethod
    def build(cls, tokenizer: PreTrainedTokenizerBase, titles: list[str], width: int) -> TitleTable:
        texts = [" " + t.strip() if t.strip() else "" for t in titles]  # a title follows a placeholder
        encoded = tokenizer(texts, add_special_tokens=False)["input_ids"]
        lengths = np.fromiter((min(len(e), width) for e in encoded), dtype=np.int64, count=len(encoded))
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        for i, e in enumerate(encoded):  # once per dataset, not per prompt
            ids[i, : lengths[i]] = e[: lengths[i]]
        lengths[0] = 0
        return cls(ids, lengths)
