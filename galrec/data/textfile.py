"""Line-numbered text input: the one place where files are opened and decoded.

Every reader goes through ``numbered_lines`` so that a missing file, a 0-byte file or bytes that
are not UTF-8 give the same one-line ``GalrecError`` naming the file and the line, whatever the
format.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from galrec.errors import GalrecError

_SHOWN = 40  # longest value quoted in an error message; a 10 MB token must not flood the terminal


def show(value: str) -> str:
    """``value`` quoted for an error message, cut short and with control characters escaped."""
    if len(value) > _SHOWN:
        return repr(value[:_SHOWN]) + f"… ({len(value)} characters)"
    return repr(value)


def where(path: Path, line: int) -> str:
    """The ``file, line N`` prefix of every error about a line."""
    return f"{path}, line {line}"


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, text)`` for every line, 1-based, without the line ending.

    Reading bytes and decoding line by line is what lets a bad byte be reported by line number
    (a text-mode file only says "position 123456"). A UTF-8 byte-order mark is dropped. A last
    line without a newline is an ordinary line.
    """
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise GalrecError(f"{path}: file not found") from None
    except OSError as exc:
        raise GalrecError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        empty = True
        for number, raw in enumerate(fh, 1):
            empty = False
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise GalrecError(
                    f"{where(path, number)}: not UTF-8 text "
                    f"(byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                ) from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text.rstrip("\r\n")
        if empty:
            raise GalrecError(f"{path}: file is empty (0 bytes)")
