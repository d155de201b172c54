"""Dataset ids in, titled recommendations out: the layer the CLI and the HTTP app share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from galrec.errors import GalrecError
from galrec.serve.loading import LoadedRun

Source = Literal["model", "popularity-fallback"]


@dataclass
class RecommendedItem:
    item_id: str
    title: str
    score: float


@dataclass
class Recommendation:
    """Top-K items for one history; ``source`` says whether the model or the fallback chose them."""

    items: list[RecommendedItem]
    model: str
    source: Source

    def to_dict(self) -> dict:
        return asdict(self)


def parse_history(run: LoadedRun, raw_ids: Sequence[object]) -> np.ndarray:
    """Internal ids of dataset item ids; unknown ones raise one ``GalrecError`` listing them."""
    return run.data.items.index(raw_ids)


def _titled(run: LoadedRun, items: np.ndarray, scores: np.ndarray) -> list[RecommendedItem]:
    keep = items > 0  # 0 marks "no more candidates"
    raw = run.data.items.to_raw(items[keep])
    return [
        RecommendedItem(r, run.data.titles[int(i)], round(float(s), 6))
        for r, i, s in zip(raw, items[keep], scores[keep])
    ]


def recommend_internal(
    run: LoadedRun, histories: list[np.ndarray], k: int, users: np.ndarray | None = None
) -> list[Recommendation]:
    """One ``Recommendation`` per history; empty histories get the training-part popularity."""
    users = np.zeros(len(histories), dtype=np.int64) if users is None else np.asarray(users)
    filled = [j for j, h in enumerate(histories) if len(h)]
    out: list[Recommendation | None] = [None] * len(histories)
    if filled:
        items, scores = run.recommend([histories[j] for j in filled], k, users[filled])
        for row, j in enumerate(filled):
            out[j] = Recommendation(_titled(run, items[row], scores[row]), run.model_name, "model")
    if len(filled) < len(histories):
        pop_items, pop_scores = run.popular(k)
        fallback = _titled(run, pop_items, pop_scores)
        for j, rec in enumerate(out):
            if rec is None:
                out[j] = Recommendation(list(fallback), run.model_name, "popularity-fallback")
    return out  # type: ignore[return-value]


def recommend_history(run: LoadedRun, raw_ids: Sequence[object], k: int) -> Recommendation:
    """Recommendations after a bare history of dataset item ids (no known user)."""
    return recommend_internal(run, [parse_history(run, raw_ids)], k)[0]


def user_history(run: LoadedRun, raw_user: str) -> tuple[int, np.ndarray]:
    """Internal id and whole known sequence of a dataset user (every split: it is the past now)."""
    if raw_user not in run.data.users:
        raise GalrecError(f"unknown user id: {raw_user}")
    user = int(run.data.users.index([raw_user])[0])
    return user, run.data.sequences.row(user)


def recommend_user(run: LoadedRun, raw_user: str, k: int) -> Recommendation:
    user, history = user_history(run, raw_user)
    return recommend_internal(run, [history], k, np.array([user]))[0]
