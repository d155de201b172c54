"""``Recommender``: what ``galrec.load`` returns, and what ``galrec recommend`` and ``galrec serve`` use.

Dataset ids in and out; the internal-id work is ``LoadedRun``'s (``loading.py``) and the titling
and popularity fallback ``recommend.py``'s, so the library, the command and the HTTP service
share one path from a history to its items.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from galrec.data.sequences import Sequences
from galrec.serve.loading import LoadedRun, Precision, Retrieval, load_run
from galrec.serve.recommend import Recommendation, parse_history, recommend_history, recommend_user

Item = tuple[str, float, str]  # (dataset item id, score, title)


class Recommender:
    def __init__(self, run: LoadedRun) -> None:
        self.run = run

    @classmethod
    def load(cls, run_dir: str | Path, retrieval: Retrieval = "auto", precision: Precision = "float32") -> Recommender:
        return cls(load_run(run_dir, retrieval, precision))

    @property
    def model_name(self) -> str:
        return self.run.model_name

    @property
    def item_ids(self) -> list[str]:
        """Dataset item ids by internal index: column ``j + 1`` of ``score`` is ``item_ids[j]``."""
        return self.run.data.items.to_raw(np.arange(1, self.run.data.n_items + 1))

    def recommendation(self, history: Sequence[object], k: int = 10) -> Recommendation:
        """The full answer for a bare history: items, model name, and whether the fallback chose."""
        return recommend_history(self.run, history, k)

    def recommendation_for_user(self, user: str, k: int = 10) -> Recommendation:
        """The same after a known user's whole sequence (the model may also use the user's id)."""
        return recommend_user(self.run, user, k)

    def recommend(self, history: Sequence[object], k: int = 10) -> list[Item]:
        """Top ``k`` items after ``history`` (dataset item ids, oldest first), none of them in it.

        An empty history gets the most frequent training items (score = count).
        """
        return [(i.item_id, i.score, i.title) for i in self.recommendation(history, k).items]

    @torch.no_grad()
    def score(self, histories: Sequence[Sequence[object]]) -> torch.Tensor:
        """The model's raw scores over the catalogue, one row per history. [B, n_items + 1]

        Column 0 is padding (-inf); nothing else is masked, history items included.
        """
        run = self.run
        seqs = Sequences.from_lists([parse_history(run, h) for h in histories])
        hist = seqs.padded(np.arange(seqs.n_rows), run.max_len).to(run.device)  # [B, max_len]
        users = torch.zeros(seqs.n_rows, dtype=torch.long, device=run.device)
        s = run.score(users, hist).clone()  # [B, n_items + 1], ours to mask
        s[:, 0] = float("-inf")
        return s.cpu()
