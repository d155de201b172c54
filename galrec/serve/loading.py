"""Load a finished run folder once and score histories against the whole catalogue.

A run folder's ``config.yaml`` names its model at the top level (``model: sasrec``); GAL-Rec has
its own loader and every name in the baselines' registry shares theirs, so a baseline added there
is served without a change here. Every loader returns
``(model, config, loo)``, the config being a typed dataclass with ``data.max_len``; every model
scores with the evaluation contract ``score(users [B], histories [B, L] left-padded) ->
[B, n_items + 1]`` (user 0: a bare history).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import torch

from galrec.data.dataset import Interactions
from galrec.data.sequences import Sequences
from galrec.data.split import LeaveOneOut
from galrec.errors import GalrecError
from galrec.eval.ranking import history_mask_indices
from galrec.runtime import bfloat16_autocast
from galrec.serve.runfolder import read_finished_run_config

if TYPE_CHECKING:
    from galrec.serve.index import ItemIndex

Retrieval = Literal["auto", "exact", "ann"]
# bfloat16 halves GAL-Rec's language-model time on a CPU with AVX512-BF16 (results/serve/README.md);
# where the device would only emulate it (galrec.runtime.bfloat16_autocast) scoring stays float32
Precision = Literal["float32", "bfloat16"]

# Histories scored per matrix product: [256, n_items + 1] float32 is ~12 MB on Beauty.
SCORE_BATCH = 256


class Scorer(Protocol):
    def score(self, users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor: ...


Loader = Callable[[Path], tuple[Scorer, Any, LeaveOneOut]]
GALREC = "galrec"  # the one model that is not a baseline; every other name is looked up in REGISTRY


def _load_baseline(run_dir: Path) -> tuple[Scorer, Any, LeaveOneOut]:
    from galrec.baselines.run import load_baseline_run  # the baselines' modules load only when used

    return load_baseline_run(run_dir)


@dataclass
class _PromptScorer:
    """GAL-Rec scores a user through a prompt; this gives it the baselines' ``score`` contract."""

    score: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _load_galrec(run_dir: Path) -> tuple[Scorer, Any, LeaveOneOut]:
    from galrec.training.evaluation import make_score_fn
    from galrec.training.run import load_run as load_galrec_run

    parts = load_galrec_run(run_dir)
    # The test-time graph (training + validation edges) is the most the model was evaluated
    # with; prompts built on it sample neighbours through the history, so user 0 works too.
    # Neighbours are drawn afresh on every call, so repeated requests may differ slightly.
    score = make_score_fn(parts, parts.model, "test")
    return _PromptScorer(score), parts.cfg, parts.loo


def loader_for(run_dir: Path, name: str) -> Loader:
    """GAL-Rec's loader, or the baselines' one for any name in their registry (added ones too)."""
    from galrec.baselines.registry import REGISTRY

    if name == GALREC:
        return _load_galrec
    if name in REGISTRY:
        return _load_baseline
    known = ", ".join(sorted([GALREC, *REGISTRY]))
    raise GalrecError(f"{run_dir}: model {name!r} cannot be served; known: {known}")


@dataclass
class LoadedRun:
    """A model with its data: id maps, titles and the training-part popularity for fallbacks."""

    run_dir: Path
    model_name: str
    model: Scorer
    loo: LeaveOneOut
    max_len: int  # most recent history items the model sees
    popularity: np.ndarray  # [n_items + 1] interaction counts in the training part, 0 at padding
    index: ItemIndex | None = None  # approximate top-k over the item vectors; None: exact scoring
    precision: Precision = "float32"  # "bfloat16": the model's matrix products under autocast

    @property
    def data(self) -> Interactions:
        return self.loo.data

    @property
    def device(self) -> torch.device:
        params = getattr(self.model, "parameters", None)
        first = next(iter(params()), None) if callable(params) else None
        return first.device if first is not None else torch.device("cpu")

    @torch.no_grad()
    def score(self, users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        """The model's scores of users [B] and left-padded histories [B, L] -> float32 [B, n_items + 1]."""
        with bfloat16_autocast(self.precision == "bfloat16", self.device.type):
            return self.model.score(users, histories).float()

    @torch.no_grad()
    def recommend(
        self, histories: list[np.ndarray], k: int, users: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` internal items and scores per history, history items and padding excluded.

        ``histories`` hold internal item ids, oldest first; ``users`` are internal user ids (0 or
        None: bare histories). Returns ``(items [B, k], scores [B, k])`` sorted by score; when a
        row has fewer than ``k`` candidates its tail holds item 0 with score -inf.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        n = len(histories)
        users = np.zeros(n, dtype=np.int64) if users is None else np.asarray(users, dtype=np.int64)
        if len(users) != n:
            raise ValueError(f"{len(users)} users for {n} histories")
        k_eff = min(k, self.data.n_items)
        items = np.zeros((n, k), dtype=np.int64)
        scores = np.full((n, k), -np.inf, dtype=np.float32)
        for start in range(0, n, SCORE_BATCH):
            chunk = Sequences.from_lists(histories[start : start + SCORE_BATCH])
            rows = np.arange(chunk.n_rows)
            hist = chunk.padded(rows, self.max_len).to(self.device)  # [B, max_len]
            if self.index is not None:
                q = self.model.represent(hist).float().cpu().numpy()  # type: ignore[attr-defined]  # [B, d]
                top = self.index.search(q, k_eff, histories[start : start + SCORE_BATCH])  # [B, k_eff] each
                items[start : start + len(rows), :k_eff], scores[start : start + len(rows), :k_eff] = top
                continue
            user_t = torch.from_numpy(users[start : start + len(rows)]).to(self.device)
            s = self.score(user_t, hist)  # [B, n_items + 1]
            m_rows, m_items = history_mask_indices(
                chunk, rows
            )  # every history item, not only the last max_len
            s[torch.from_numpy(m_rows).to(s.device), torch.from_numpy(m_items).to(s.device)] = float("-inf")
            s[:, 0] = float("-inf")
            top_s, top_i = torch.topk(s, k_eff, dim=1)  # [B, k_eff]
            top_i[torch.isneginf(top_s)] = 0
            items[start : start + len(rows), :k_eff] = top_i.cpu().numpy()
            scores[start : start + len(rows), :k_eff] = top_s.cpu().numpy()
        return items, scores

    def popular(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` most frequent training items and their counts (ties: lower id first). [k]"""
        k_eff = min(k, self.data.n_items)
        order = np.argsort(-self.popularity[1:], kind="stable")[:k_eff] + 1
        return order, self.popularity[order].astype(np.float32)


def build_index(model: Scorer, loo: LeaveOneOut, max_len: int, retrieval: Retrieval) -> ItemIndex | None:
    """The item index ``retrieval`` asks for: "exact" none, "ann" one (or an error), "auto" one
    for catalogues of ``ANN_MIN_ITEMS`` or more when the model's scores allow it."""
    from galrec.serve.index import ANN_MIN_ITEMS, ItemIndex, factorises  # faiss loads only here

    if retrieval == "exact" or (retrieval == "auto" and loo.data.n_items < ANN_MIN_ITEMS):
        return None
    # the baselines' contract: has_embeddings says item_embeddings() exists; queries come from represent()
    usable = callable(getattr(model, "represent", None)) and getattr(model, "has_embeddings", False)
    vectors = model.item_embeddings() if usable else None  # type: ignore[attr-defined]  # [n_items + 1, d]
    sample = loo.train.padded(np.arange(1, min(loo.data.n_users, 8) + 1), max_len)  # [<=8, max_len]
    if vectors is None or not factorises(model, vectors, sample):
        if retrieval == "ann":
            raise GalrecError(
                f"retrieval 'ann' needs scores that are represent(history) . item vector; "
                f"{type(model).__name__}'s are not (use 'exact')"
            )
        return None
    return ItemIndex.build(vectors.float().cpu().numpy())


def load_run(run_dir: str | Path, retrieval: Retrieval = "auto", precision: Precision = "float32") -> LoadedRun:
    """Rebuild the run's model on its data, ready to recommend (``retrieval``: see ``build_index``)."""
    run_dir = Path(run_dir)
    raw = read_finished_run_config(run_dir)
    name = raw["model"]
    model, config, loo = loader_for(run_dir, name)(run_dir)
    if hasattr(model, "eval"):
        model.eval()
    max_len = int(config.data.max_len)
    popularity = np.bincount(loo.train.items, minlength=loo.data.n_items + 1)
    popularity[0] = 0
    index = build_index(model, loo, max_len, retrieval)
    return LoadedRun(run_dir, name, model, loo, max_len, popularity, index, precision)
