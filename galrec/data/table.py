"""Delimited text with a header row (CSV, TSV, RecBole atomic files), checked row by row.

The checks every table needs live here once: a header that names a column twice, the header
repeated further down (two files concatenated), a row with the wrong number of fields, and the
``csv`` module's own complaints (an over-long field), each reported with the file and line.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from galrec.data.textfile import numbered_lines, show, where
from galrec.errors import GalrecError

_DELIMITER_NAMES = {",": "comma", "\t": "tab"}


@dataclass
class Table:
    """A header and an iterator over ``(line number, fields)`` for the data rows."""

    path: Path
    raw_header: list[str]
    header: list[str]  # normalised names, what ``column`` looks up
    header_line: int
    delimiter: str
    sniffed: bool  # whether the delimiter was guessed from the header rather than required
    rows: Iterator[tuple[int, list[str]]]

    def optional_column(self, names: tuple[str, ...]) -> int | None:
        """Index of the first header column called one of ``names`` (in normalised form)."""
        return next((self.header.index(n) for n in names if n in self.header), None)

    def column(self, names: tuple[str, ...]) -> int:
        """Like ``optional_column``, but a missing column is an error that shows the header."""
        index = self.optional_column(names)
        if index is not None:
            return index
        found = ", ".join(show(h) for h in self.raw_header[:8])
        if len(self.header) > 1:
            hint = ""
        elif self.sniffed:
            hint = "; the delimiter must be a comma or a tab"
        else:
            hint = f"; the file must be {_DELIMITER_NAMES[self.delimiter]}-separated"
        raise GalrecError(
            f"{where(self.path, self.header_line)}: no {' or '.join(names)} column in the header "
            f"(found {found}){hint}"
        )


def open_table(path: Path, delimiter: str | None = None, normalise: Callable[[str], str] = str.strip) -> Table:
    """Read the header of ``path`` and return the table; rows are read lazily.

    ``delimiter=None`` sniffs it from the header: a tab if it holds one, else a comma.
    ``normalise`` maps header names to the form callers look up (for example lower case).
    Tab-separated files are read without quote handling, since titles hold bare quotes.
    """
    lines = numbered_lines(path)
    header_line, header_text = next(((n, t) for n, t in lines if t.strip()), (0, ""))
    if not header_line:
        raise GalrecError(f"{path}: no header line (the file holds only blank lines)")
    sniffed = delimiter is None
    if delimiter is None:
        delimiter = "\t" if "\t" in header_text else ","
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(
        itertools.chain([header_text], (t for _, t in lines)), delimiter=delimiter, quoting=quoting
    )
    offset = header_line - 1  # csv counts from the header, the file from its first line

    def rows_of() -> Iterator[tuple[list[str], int]]:
        try:
            for fields in reader:
                yield fields, reader.line_num + offset
        except csv.Error as exc:
            raise GalrecError(f"{where(path, reader.line_num + offset)}: unreadable row ({exc})") from None

    parsed = rows_of()
    raw_header, _ = next(parsed)
    header = [normalise(h) for h in raw_header]
    for i, name in enumerate(header):
        if name in header[:i]:
            raise GalrecError(f"{where(path, header_line)}: column {show(name)} appears twice in the header")

    def data_rows() -> Iterator[tuple[int, list[str]]]:
        for fields, line in parsed:
            if not any(f.strip() for f in fields):  # a blank line
                continue
            if fields == raw_header:
                raise GalrecError(f"{where(path, line)}: the header is repeated here")
            if len(fields) != len(header):
                raise GalrecError(
                    f"{where(path, line)}: {len(fields)} fields, expected {len(header)} like the header "
                    f"({_DELIMITER_NAMES[delimiter]}-separated)"
                )
            yield line, fields

    return Table(path, raw_header, header, header_line, delimiter, sniffed, data_rows())
