"""The S3-Rec sequence format: ``user item item …`` per line, oldest first, plus ``items.tsv``.

Ids in this format are positive integers (1, 2, …; 0 would collide with padding), so anything
else is an error, not a new raw id. A line with a user and no items cannot be written by the
S3-Rec preprocessing; it is what a file cut off mid-line looks like, so it is an error too,
whereas a user with one or two items is only dropped (see ``assemble``).
"""

from __future__ import annotations

from pathlib import Path

from galrec.data.assemble import ItemText, Rows, assemble
from galrec.data.dataset import Interactions
from galrec.data.table import open_table
from galrec.data.textfile import numbered_lines, show, where
from galrec.errors import GalrecError


def read_s3rec(interactions: Path, items_tsv: Path | None = None, name: str | None = None) -> Interactions:
    """Read ``interactions`` and, when given, the titles and categories in ``items_tsv``."""
    rows = Rows()
    first_line: dict[str, int] = {}
    for number, line in numbered_lines(interactions):
        ids = line.split()
        if not ids:
            continue
        ids = _positive_ids(ids, interactions, number)
        user = ids[0]
        if user in first_line:
            raise GalrecError(
                f"{where(interactions, number)}: user {user} already has a line (line {first_line[user]})"
            )
        first_line[user] = number
        if len(ids) == 1:
            raise GalrecError(f"{where(interactions, number)}: user {user} has no items (is the file truncated?)")
        rows.user_codes.extend([rows.users.code(user)] * (len(ids) - 1))
        rows.item_codes.extend(rows.items.codes(ids[1:]))
    text = _read_items_tsv(items_tsv) if items_tsv is not None else None
    return assemble(name or interactions.stem, interactions, rows, text)


def _positive_ids(tokens: list[str], path: Path, line: int, first_role: str = "user id") -> list[str]:
    """``tokens`` as canonical decimal strings ("007" -> "7"), or an error naming the bad one."""
    joined = "".join(tokens)
    if joined.isascii() and joined.isdigit():  # fast path: every token is plain digits
        if " 0" not in " " + " ".join(tokens):  # no leading zero anywhere: already canonical
            return tokens
        ids = [t.lstrip("0") for t in tokens]  # not int(): Python refuses ints over 4300 digits
        if "" not in ids:
            return ids
    position, token = next((i, t) for i, t in enumerate(tokens) if not _is_positive(t))
    if token.startswith("-") and _is_positive(token[1:]):
        problem = "is negative"
    elif token.isascii() and token.isdigit():
        problem = "is 0, which is reserved for padding"
    else:
        problem = "is not an integer"
    role = first_role if position == 0 else "item id"
    raise GalrecError(f"{where(path, line)}: {role} {show(token)} {problem} (S3-Rec ids are positive integers)")


def _is_positive(token: str) -> bool:
    return token.isascii() and token.isdigit() and token.lstrip("0") != ""


def _read_items_tsv(path: Path) -> ItemText:
    """``item_id``, ``title``, ``categories`` (and ``source_id``, unused) with a header."""
    table = open_table(path, delimiter="\t")
    return ItemText.from_table(
        table,
        table.column(("item_id",)),
        table.optional_column(("title",)),
        table.optional_column(("categories",)),
        parse_id=lambda value, line: _positive_ids([value.strip()], path, line, "item id")[0],
    )
