"""Node representations the probe and the geometry compare: one small interface, several sources.

An ``Encoder`` gives vectors for internal user and item ids (``users(ids)`` / ``items(ids)``,
[n, d] float32 numpy arrays). Sources:

- ``TableEncoder``: fixed tables, e.g. a baseline's ``embeddings.safetensors``;
- ``TitleEncoder``: item titles through the bundled MiniLM (sentence-transformers pooling), the
  text-only view: two items with the same title get the same vector;
- ``RunEncoder``: a finished GAL-Rec run (``galrec.training.run.load_run``). Users are the
  pooled vector of their prompt (E0_u, the validation input: the training part). Items are the
  pooled vector of their item prompt when the run trained on item prompts (λ2 > 0) or has no
  ID embeddings (text-only); otherwise the mapped external ID embedding its tied head scores
  against. ``item_view`` says which.

Every source encodes an id once and memoises it, so the probe and the geometry share encodes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from safetensors.torch import load_file

from galrec.data.dataset import Interactions
from galrec.errors import GalrecError

ITEM_PROMPT, MAPPED_ID, HEAD_ROW = "item prompt", "mapped ID embedding", "catalogue head row"


class Encoder(Protocol):
    name: str
    item_view: str

    def users(self, ids: np.ndarray) -> np.ndarray: ...

    def items(self, ids: np.ndarray) -> np.ndarray: ...


class _Memo:
    """Rows of a lazily filled table: ``get(ids)`` computes only the ids not seen before."""

    def __init__(self, compute) -> None:
        self.compute = compute  # unique ids [m] -> [m, d]
        self.rows: dict[int, np.ndarray] = {}

    def get(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        todo = np.array(sorted(set(ids.tolist()) - set(self.rows)), dtype=np.int64)
        if len(todo):
            for i, v in zip(todo.tolist(), self.compute(todo)):
                self.rows[i] = np.asarray(v, dtype=np.float32)
        return np.stack([self.rows[i] for i in ids.tolist()]) if len(ids) else np.zeros((0, 0), np.float32)


class TableEncoder:
    def __init__(self, name: str, item_table: np.ndarray, user_table: np.ndarray | None = None,
                 item_view: str = "embedding table") -> None:
        self.name, self.item_view = name, item_view
        self.item_table, self.user_table = np.asarray(item_table, np.float32), user_table

    @classmethod
    def from_baseline_run(cls, name: str, run: Path) -> TableEncoder:
        path = Path(run) / "embeddings.safetensors"
        if not path.is_file():
            raise GalrecError(f"{run} holds no embeddings.safetensors (not a sasrec/bsarec/lightgcn run)")
        tables = load_file(str(path))
        return cls(name, tables["item"].float().numpy(), tables["user"].float().numpy(), "item embedding")

    def users(self, ids: np.ndarray) -> np.ndarray:
        if self.user_table is None:
            raise GalrecError(f"{self.name} has no user vectors")
        return np.asarray(self.user_table[ids], np.float32)

    def items(self, ids: np.ndarray) -> np.ndarray:
        return self.item_table[ids]


class TitleEncoder:
    """Titles through MiniLM-L6 (mean pooling, as sentence-transformers does); no user vectors."""

    item_view = "title through MiniLM"

    def __init__(self, data: Interactions, batch_size: int = 128, max_tokens: int = 64) -> None:
        from galrec.llm.sentences import SentenceEncoder

        self.name = "text (MiniLM titles)"
        self.data, self.titles = data, data.titles
        self.encoder = SentenceEncoder("minilm-l6", batch_size, max_tokens)
        self._items = _Memo(self._encode)

    def _encode(self, ids: np.ndarray) -> np.ndarray:
        return self.encoder.encode([self.titles[i] or "" for i in ids]).numpy()

    def users(self, ids: np.ndarray) -> np.ndarray:
        raise GalrecError("titles give item vectors only")

    def items(self, ids: np.ndarray) -> np.ndarray:
        return self._items.get(ids)


class RunEncoder:
    """A finished GAL-Rec run's own view of users and items (see the module docstring)."""

    def __init__(self, name: str, run: Path, batch_size: int = 64, seed: int = 0) -> None:
        from galrec.training.run import load_run

        self.name, self.run = name, Path(run)
        self.parts = load_run(self.run)
        cfg = self.parts.cfg
        self.model = self.parts.model
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device)
        self.batch_size = batch_size
        self.rng = np.random.default_rng([seed, 11])  # the prompts' neighbour samples
        if cfg.loss.l2 > 0 or not cfg.prompt.ids:
            self.item_view = ITEM_PROMPT
        else:
            self.item_view = MAPPED_ID if self.model.head.tied else HEAD_ROW
        self._users, self._items = _Memo(self._encode_users), _Memo(self._encode_items)

    @property
    def data(self) -> Interactions:
        return self.parts.loo.data

    @torch.no_grad()
    def _encode_users(self, ids: np.ndarray) -> np.ndarray:
        train, max_len = self.parts.loo.train, self.parts.cfg.data.max_len
        out = []
        for s in range(0, len(ids), self.batch_size):
            users = ids[s : s + self.batch_size]
            histories = train.padded(users, max_len)  # [B, L] the validation input
            prompts = self.parts.builder.user_prompts(users, histories, self.rng)
            out.append(self.model.encode(prompts.to(self.device), histories.to(self.device)).cpu().numpy())
        return np.concatenate(out)

    @torch.no_grad()
    def _encode_items(self, ids: np.ndarray) -> np.ndarray:
        if self.item_view == MAPPED_ID:
            return self.model.item_vectors(torch.from_numpy(ids).to(self.device)).float().cpu().numpy()
        if self.item_view == HEAD_ROW:
            return self.model.head.out.weight[torch.from_numpy(ids).to(self.device)].float().cpu().numpy()
        out = []
        for s in range(0, len(ids), self.batch_size):
            prompts = self.parts.builder.item_prompts(ids[s : s + self.batch_size], self.rng)
            out.append(self.model.encode(prompts.to(self.device)).cpu().numpy())
        return np.concatenate(out)

    def users(self, ids: np.ndarray) -> np.ndarray:
        return self._users.get(ids)

    def items(self, ids: np.ndarray) -> np.ndarray:
        return self._items.get(ids)
