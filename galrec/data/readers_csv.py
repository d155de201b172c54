"""A plain CSV or TSV log: one interaction per row, with a header naming the columns.

The header must name a user and an item column (``user``/``user_id``, ``item``/``item_id``);
a ``timestamp`` (or ``time``) column is optional, and without one the file order is the time
order. Ids are any non-empty strings. The delimiter is taken from the header line: a tab if it
holds one, otherwise a comma; a header with neither is reported as missing its columns.
"""

from __future__ import annotations

import math
from array import array
from pathlib import Path

from galrec.data.assemble import Rows, assemble
from galrec.data.dataset import Interactions
from galrec.data.table import Table, open_table
from galrec.data.textfile import show, where
from galrec.errors import GalrecError

USER_COLUMNS = ("user", "user_id")
ITEM_COLUMNS = ("item", "item_id")
TIME_COLUMNS = ("timestamp", "time")


def read_csv(path: Path, name: str | None = None) -> Interactions:
    table = open_table(path, normalise=lambda h: h.strip().lower())
    rows = rows_from_table(
        table,
        table.column(USER_COLUMNS),
        table.column(ITEM_COLUMNS),
        table.optional_column(TIME_COLUMNS),
    )
    return assemble(name or path.stem, path, rows)


def rows_from_table(table: Table, user_col: int, item_col: int, time_col: int | None) -> Rows:
    """Collect one interaction per data row; ids are stripped strings, times finite floats."""
    rows = Rows(times=array("d") if time_col is not None else None)
    for number, fields in table.rows:
        user, item = fields[user_col].strip(), fields[item_col].strip()
        if not user or not item:
            role = "user" if not user else "item"
            raise GalrecError(f"{where(table.path, number)}: the {role} id is empty")
        rows.user_codes.append(rows.users.code(user))
        rows.item_codes.append(rows.items.code(item))
        if rows.times is not None:
            rows.times.append(_timestamp(fields[time_col], table.path, number))
    return rows


def _timestamp(value: str, path: Path, line: int) -> float:
    try:
        t = float(value)
    except ValueError:
        t = math.nan
    if not math.isfinite(t):
        raise GalrecError(f"{where(path, line)}: timestamp {show(value)} is not a finite number")
    return t
