"""galrec: GAL-Rec, an LLM-driven sequential recommender that imitates graph neural networks.

The Python API (``galrec.load``, ``galrec.train``, ``galrec.baseline``, ``galrec.load_dataset``)
lives in ``galrec/api.py``; it is imported on first use, so ``import galrec`` stays light.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["load", "train", "baseline", "load_dataset"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from galrec import api

        return getattr(api, name)
    raise AttributeError(f"module 'galrec' has no attribute {name!r}")
