"""An interaction log after id mapping: what every reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences


@dataclass
class Interactions:
    """Every user's items in time order, with ids mapped to internal indices (0 = padding).

    ``titles[i]`` and ``categories[i]`` belong to internal item ``i`` ("" when unknown; index 0
    is padding).
    """

    name: str
    users: IdMap
    items: IdMap
    sequences: Sequences  # rows indexed by internal user id, row 0 empty
    titles: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.sequences.n_rows != len(self.users) + 1:
            raise ValueError(
                f"{self.name}: {self.sequences.n_rows} sequence rows for {len(self.users)} users "
                "(expected users + 1, row 0 being padding)"
            )
        if not self.titles:
            self.titles = [""] * (len(self.items) + 1)
        if not self.categories:
            self.categories = [""] * (len(self.items) + 1)

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_interactions(self) -> int:
        return len(self.sequences.items)

    def stats(self) -> dict[str, float | int]:
        return {
            "users": self.n_users,
            "items": self.n_items,
            "interactions": self.n_interactions,
            "avg_length": round(self.n_interactions / max(self.n_users, 1), 4),
            "items_with_title": int(sum(1 for t in self.titles[1:] if t.strip())),
        }

    def item_popularity(self) -> np.ndarray:
        """Interaction count of every item over the whole log. [n_items + 1]"""
        return np.bincount(self.sequences.items, minlength=self.n_items + 1)
