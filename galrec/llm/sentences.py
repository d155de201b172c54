"""Sentence vectors of short texts (item titles) through a bundled encoder such as MiniLM-L6.

    v(text) = mean over real tokens of encoder(text)      (sentence-transformers' pooling)   [d]

Used by the text baseline (galrec.baselines.text) and the probe's title view.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tqdm.auto import tqdm

from galrec.llm.pooling import mean_pool


def encoder_folder(name: str) -> Path:
    """A built-in encoder name (``minilm-l6``) or a local Hugging Face folder."""
    from galrec.llm.builtin import FOLDERS  # transformers: imported only when an encoder is wanted

    return FOLDERS[name]() if name in FOLDERS else Path(name).expanduser()


def sentence_dim(name: str) -> int:
    """The width of ``name``'s sentence vectors, read from its config (no weights loaded)."""
    from transformers import AutoConfig

    return int(AutoConfig.from_pretrained(encoder_folder(name), local_files_only=True).hidden_size)


class SentenceEncoder:
    def __init__(self, name: str = "minilm-l6", batch_size: int = 128, max_tokens: int = 64) -> None:
        from transformers import AutoModel, AutoTokenizer

        folder = encoder_folder(name)
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        self.batch_size, self.max_tokens = batch_size, max_tokens

    @torch.no_grad()
    def encode(self, texts: list[str], normalize: bool = False, progress: bool = False) -> torch.Tensor:
        """texts [n] -> float32 vectors [n, d], unit length when ``normalize``.

        Batches hold texts of similar token counts (sorted by length, order restored at the end),
        so a batch pads to little more than its own texts: about half the work of batching in
        catalogue order on Beauty's titles.
        """
        texts = list(texts)
        lengths = [len(ids) for ids in self.tokenizer(texts, truncation=True, max_length=self.max_tokens)["input_ids"]]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        out = []
        starts = range(0, len(texts), self.batch_size)
        for s in tqdm(starts, desc="encoding texts", unit="batch", disable=not progress, leave=False):
            batch = [texts[i] for i in order[s : s + self.batch_size]]
            enc = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt")
            hidden = self.model(**enc).last_hidden_state  # [B, T, d]
            out.append(mean_pool(hidden, enc["attention_mask"]).float())  # [B, d]
        d = self.model.config.hidden_size
        vectors = torch.zeros(len(texts), d)  # [n, d]
        if out:
            vectors[torch.tensor(order)] = torch.cat(out)
        return torch.nn.functional.normalize(vectors, dim=1) if normalize else vectors
