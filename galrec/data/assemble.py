"""Turn parsed interaction rows into ``Interactions``: one code path for every reader.

Readers only parse; the rules that decide what a dataset *is* live here once: users are ordered
by first appearance, each user's interactions are sorted by time (stable, so ties keep file
order), users with fewer than ``MIN_INTERACTIONS`` are dropped with one counted warning, item ids
are numbered by first appearance among the users kept, and titles for items outside the
catalogue are ignored with one counted warning.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences
from galrec.data.table import Table
from galrec.data.textfile import where
from galrec.errors import GalrecError

log = logging.getLogger(__name__)

MIN_INTERACTIONS = 3
"""Leave-one-out needs a test item, a validation item and at least one training item."""


class Codes:
    """Raw ids -> 0-based codes in order of first appearance (``raw[code]`` is the raw id)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def code(self, raw_id: str) -> int:
        return self.index.setdefault(raw_id, len(self.index))

    def codes(self, raw_ids: list[str]) -> list[int]:
        index = self.index
        return [index.setdefault(r, len(index)) for r in raw_ids]

    @property
    def raw(self) -> list[str]:
        return list(self.index)  # dicts keep insertion order, which is the code order


@dataclass
class Rows:
    """One entry per interaction, in file order, as readers collect them."""

    users: Codes = field(default_factory=Codes)
    items: Codes = field(default_factory=Codes)
    user_codes: array = field(default_factory=lambda: array("q"))
    item_codes: array = field(default_factory=lambda: array("q"))
    times: array | None = None  # array("d") of timestamps; None: the file order is the time order

    def __len__(self) -> int:
        return len(self.user_codes)


@dataclass
class ItemText:
    """Title and categories per raw item id, read from an optional side file."""

    source: Path
    rows: dict[str, tuple[str, str]] = field(default_factory=dict)  # raw id -> (title, categories)

    @classmethod
    def from_table(
        cls,
        table: Table,
        id_col: int,
        title_col: int | None,
        category_col: int | None,
        parse_id: Callable[[str, int], str] = lambda value, line: value.strip(),
    ) -> ItemText:
        """One row per item; ``parse_id(value, line)`` checks and canonicalises the id."""
        text = cls(table.path)
        first_line: dict[str, int] = {}
        for number, fields in table.rows:
            item = parse_id(fields[id_col], number)
            if item in first_line:
                raise GalrecError(
                    f"{where(table.path, number)}: item {item} already listed on line {first_line[item]}"
                )
            first_line[item] = number
            title = fields[title_col].strip() if title_col is not None else ""
            category = fields[category_col].strip() if category_col is not None else ""
            text.rows[item] = (title, category)
        return text


def assemble(name: str, source: Path, rows: Rows, text: ItemText | None = None) -> Interactions:
    """Build the dataset ``name`` from the ``rows`` read from ``source`` (named in errors)."""
    if not len(rows):
        raise GalrecError(f"{source}: no interactions (the file holds no data rows)")
    user_codes = np.frombuffer(rows.user_codes, dtype=np.int64)  # [n_rows]
    item_codes = np.frombuffer(rows.item_codes, dtype=np.int64)  # [n_rows]
    user_raw, item_raw = rows.users.raw, rows.items.raw
    counts = np.bincount(user_codes, minlength=len(user_raw))  # [n_raw_users]
    keep_user = counts >= MIN_INTERACTIONS
    dropped = int((~keep_user).sum())
    if dropped:
        log.warning(
            "%s: dropped %d users with fewer than %d interactions (%d interactions)",
            name, dropped, MIN_INTERACTIONS, int(counts[~keep_user].sum()),
        )
    if not keep_user.any():
        raise GalrecError(f"{source}: no user has {MIN_INTERACTIONS} or more interactions")
    keep_row = keep_user[user_codes]  # [n_rows]
    kept_items = item_codes[keep_row]
    uniq, first = np.unique(kept_items, return_index=True)
    item_order = uniq[np.argsort(first)]  # old item codes, in order of first appearance
    new_item = np.zeros(len(item_raw), dtype=np.int64)
    new_item[item_order] = np.arange(1, len(item_order) + 1)

    if rows.times is None:
        order = np.argsort(user_codes, kind="stable")
    else:  # by user, then time; lexsort is stable, so equal times keep the file order
        order = np.lexsort((np.frombuffer(rows.times, dtype=np.float64), user_codes))
    order = order[keep_row[order]]
    lengths = counts[keep_user]
    indptr = np.zeros(len(lengths) + 2, dtype=np.int64)  # row 0 is the padding user
    np.cumsum(lengths, out=indptr[2:])
    sequences = Sequences(indptr, new_item[item_codes[order]])

    users = IdMap([r for r, k in zip(user_raw, keep_user) if k], "user")
    items = IdMap([item_raw[c] for c in item_order], "item")
    titles, categories = _attach_text(name, items, text)
    return Interactions(name, users, items, sequences, titles, categories)


def _attach_text(name: str, items: IdMap, text: ItemText | None) -> tuple[list[str], list[str]]:
    titles = [""] * (len(items) + 1)
    categories = [""] * (len(items) + 1)
    if text is None:
        return titles, categories
    index = {r: i + 1 for i, r in enumerate(items.raw)}
    unknown = 0
    for raw_id, (title, category) in text.rows.items():
        i = index.get(raw_id)
        if i is None:
            unknown += 1
        else:
            titles[i], categories[i] = title, category
    if unknown:
        log.warning("%s: ignored %d rows of %s whose item id is not in the interactions", name, unknown, text.source)
    return titles, categories
