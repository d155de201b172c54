"""Raw ids (any string) <-> contiguous internal indices, 0 reserved for padding."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from galrec.errors import GalrecError


class IdMap:
    """``raw[i - 1]`` is the raw id of internal index ``i``; index 0 is padding and has no raw id."""

    def __init__(self, raw: Sequence[str], kind: str = "id") -> None:
        self.kind = kind
        self.raw: list[str] = [str(r) for r in raw]
        self._index = {r: i + 1 for i, r in enumerate(self.raw)}
        if len(self._index) != len(self.raw):
            raise GalrecError(f"{kind} id map has duplicated raw ids")

    def __len__(self) -> int:
        """Number of real ids (padding excluded)."""
        return len(self.raw)

    def __contains__(self, raw_id: object) -> bool:
        return str(raw_id) in self._index

    def index(self, raw_ids: Iterable[object]) -> np.ndarray:
        """Internal indices of ``raw_ids``; unknown ids raise one error that lists them."""
        ids = [str(r) for r in raw_ids]
        unknown = [r for r in ids if r not in self._index]
        if unknown:
            shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
            raise GalrecError(f"unknown {self.kind} id(s): {shown}")
        return np.fromiter((self._index[r] for r in ids), dtype=np.int64, count=len(ids))

    def to_raw(self, indices: Iterable[int]) -> list[str]:
        out = []
        for i in indices:
            i = int(i)
            if not 1 <= i <= len(self.raw):
                raise GalrecError(f"internal {self.kind} index {i} is out of range 1..{len(self.raw)}")
            out.append(self.raw[i - 1])
        return out

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"kind": self.kind, "raw": self.raw}), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> IdMap:
        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(obj["raw"], kind=obj.get("kind", "id"))
        except (OSError, ValueError, KeyError) as exc:
            raise GalrecError(f"cannot read id map {path}: {exc}") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdMap) and self.raw == other.raw
