"""RecBole atomic files: ``NAME.inter`` and an optional ``NAME.item``, tab-separated.

Header fields are typed (``user_id:token``, ``item_id:token``, ``timestamp:float``) and may come
in any order; other columns are ignored. Only the part before the colon is matched, so
``item_id:token`` and ``item_id:float`` both name the item column. Each user's interactions are
sorted by timestamp (stable); without a timestamp column the file order is the time order.
"""

from __future__ import annotations

from pathlib import Path

from galrec.data.assemble import ItemText, assemble
from galrec.data.dataset import Interactions
from galrec.data.readers_csv import rows_from_table
from galrec.data.table import open_table

# RecBole's default field names, then the names its own dataset conversions use for a title.
TITLE_COLUMNS = ("title", "movie_title", "item_name", "name")
CATEGORY_COLUMNS = ("categories", "category", "genre", "class")


def _field_name(header: str) -> str:
    return header.strip().partition(":")[0].lower()


def read_atomic(inter: Path, name: str | None = None) -> Interactions:
    """Read ``inter`` and the ``.item`` file beside it (same stem) when there is one."""
    table = open_table(inter, delimiter="\t", normalise=_field_name)
    rows = rows_from_table(
        table,
        table.column(("user_id",)),
        table.column(("item_id",)),
        table.optional_column(("timestamp",)),
    )
    item_file = inter.with_suffix(".item")
    text = _read_item_file(item_file) if item_file.exists() else None
    return assemble(name or inter.stem, inter, rows, text)


def _read_item_file(path: Path) -> ItemText:
    table = open_table(path, delimiter="\t", normalise=_field_name)
    return ItemText.from_table(
        table,
        table.column(("item_id",)),
        table.optional_column(TITLE_COLUMNS),
        table.optional_column(CATEGORY_COLUMNS),
    )
