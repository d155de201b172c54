"""Capture and restore every random number generator a resumed run must continue exactly.

Prompt and neighbour sampling use fresh generators seeded by (seed, epoch, step, micro-batch,
rank), so they need no saved state; torch (dropout, initialisation), numpy's and Python's
global generators are saved in each checkpoint in case any library draws from them.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def capture_rng() -> dict[str, Any]:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def step_rng(seed: int, epoch: int, step: int, micro: int, rank: int) -> np.random.Generator:
    """The generator of one micro-batch: a function of where it is, not of what ran before."""
    return np.random.default_rng([seed, epoch, step, micro, rank])
