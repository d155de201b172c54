"""Batches of sequences of about one length, shared by the sequence baselines and GAL-Rec's
sequence mode.

Most sequences are far shorter than ``max_len`` and a batch costs its longest member, so the
shuffled order is sorted by length within chunks of ``grouping`` batches and cut into batches of
about ``batch_size x mean targets`` targets: where every item is a target (a window trained at
every position) short sequences come in bigger batches, so that each batch holds about as many
targets as a random batch of ``batch_size`` sequences; where each sequence has one target (a
prefix trained at its last position) every batch holds ``batch_size`` sequences. Either way every
target weighs about the same in the mean loss of its step, and sequences of one length train
together.
"""

from __future__ import annotations

import numpy as np


def length_batches(
    order: np.ndarray, lengths: np.ndarray, batch_size: int, grouping: int, targets: np.ndarray | None = None
) -> list[np.ndarray]:
    """``order`` [S] (a shuffled index into ``lengths``) cut into batches; ``grouping = 0``: plain
    batches of ``batch_size`` in that order. ``targets`` [S]: the targets each sequence carries
    (default: its length). Every index appears in exactly one batch."""
    if not grouping:
        return np.split(order, range(batch_size, len(order), batch_size))
    targets = lengths if targets is None else targets
    budget = batch_size * float(targets[order].mean())  # targets per batch
    batches: list[np.ndarray] = []
    span = batch_size * grouping
    for c in range(0, len(order), span):
        chunk = order[c : c + span]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        cut = np.floor(np.cumsum(targets[chunk]) / budget).astype(np.int64)  # batch of each sequence
        batches += np.split(chunk, np.flatnonzero(np.diff(cut)) + 1)
    return batches
