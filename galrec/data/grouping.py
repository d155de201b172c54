"""Batches of sequences of about one length, shared by the sequence baselines and GAL-Rec's
sequence mode.

Most sequences are far shorter than ``max_len`` and a batch costs its longest member, so the
shuffled order is sorted by length within chunks of ``grouping`` batches and cut into batches of
about ``batch_size x mean length`` items: short sequences come in bigger batches, each batch holds
about as many targets as a random batch of ``batch_size`` sequences, and sequences of one length
train together.
"""

from __future__ import annotations

import numpy as np


def length_batches(order: np.ndarray, lengths: np.ndarray, batch_size: int, grouping: int) -> list[np.ndarray]:
    """``order`` [S] (a shuffled index into ``lengths``) cut into batches; ``grouping = 0``: plain
    batches of ``batch_size`` in that order. Every index appears in exactly one batch."""
    if not grouping:
        return np.split(order, range(batch_size, len(order), batch_size))
    budget = batch_size * float(lengths[order].mean())  # items per batch
    batches: list[np.ndarray] = []
    span = batch_size * grouping
    for c in range(0, len(order), span):
        chunk = order[c : c + span]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        cut = np.floor(np.cumsum(lengths[chunk]) / budget).astype(np.int64)  # batch of each sequence
        batches += np.split(chunk, np.flatnonzero(np.diff(cut)) + 1)
    return batches
