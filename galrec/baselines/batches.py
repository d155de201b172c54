"""Training batches: sequence windows for SASRec, (user, positive, negative) triples for LightGCN.

Both are built once, vectorised, from ``LeaveOneOut.train`` only; ``epoch(rng)`` shuffles with the
run's numpy generator, so a seed fixes the batch order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import torch

from galrec.baselines.base import Batch
from galrec.data.grouping import length_batches
from galrec.data.sequences import Sequences
from galrec.graph.bipartite import BipartiteGraph


def _windows(seqs: Sequences, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, width: int) -> np.ndarray:
    """Left-padded ``seqs.row(r)[s:e]`` for every (r, s, e), with e - s <= width. [E, width]"""
    lengths = ends - starts
    out = np.zeros((len(rows), width), dtype=np.int64)
    col = np.arange(width)[None, :]  # [1, width]
    valid = col >= (width - lengths)[:, None]  # [E, width]
    src = seqs.indptr[rows][:, None] + ends[:, None] - width + col  # [E, width]
    out[valid] = seqs.items[src[valid]]
    return out


class SequenceBatches:
    """Next-item windows over every user's training part, for a causal model.

    A window holds inputs ``s[a:e-1]`` and targets ``s[a+1:e]`` (``a = max(0, e-1-max_len)``):
    under causal attention, the loss at every target position in one pass equals training on
    every prefix (``train_examples="all_prefixes"``). Sequences longer than ``max_len + 1`` get
    further windows ending where the previous one starts, so every training target is used once.
    With ``"last"`` only the final position of the last window carries a target.

    ``prefixes=True`` makes every training prefix a window of its own, ``s[e-1-max_len:e-1]``
    predicting ``s[e-1]`` at its last position only: the same targets, one per window (the data
    pipeline of the S3-Rec / FMLP-Rec / BSARec code), each with its own dropout mask and, under
    ``positions: from_last``, positions that count back from the item being predicted.
    """

    unit = "seq"  # what the progress bar counts

    def __init__(
        self,
        train: Sequences,
        max_len: int,
        batch_size: int,
        examples: Literal["all_prefixes", "last"] = "all_prefixes",
        length_grouping: int = 50,
        prefixes: bool = False,
    ) -> None:
        n = train.lengths
        users = np.flatnonzero(n >= 2)  # a window needs one input and one target
        rows, ends = [users], [n[users]]
        if examples == "all_prefixes" and prefixes:  # every end 2..n of every user
            count = n[users] - 1  # [U] prefixes per user
            row = np.repeat(users, count)
            first = np.repeat(np.cumsum(count) - count, count)  # [E] each row's first window
            rows, ends = [row], [np.arange(len(row)) - first + 2]
        elif examples == "all_prefixes":
            e = n[users] - max_len
            while True:
                keep = e >= 2
                if not keep.any():
                    break
                rows.append(users[keep])
                ends.append(e[keep])
                users, e = users[keep], e[keep] - max_len
        row, end = np.concatenate(rows), np.concatenate(ends)
        start = np.maximum(end - 1 - max_len, 0)
        self.inputs = _windows(train, row, start, end - 1, max_len)  # [E, max_len]
        self.targets = _windows(train, row, start + 1, end, max_len)  # [E, max_len]
        if examples == "last" or prefixes:
            self.targets[:, :-1] = 0
        self.lengths = end - 1 - start  # [E] inputs per window
        self.n_targets = (self.targets > 0).sum(1)  # [E] the length, or 1 when only the last position counts
        self.batch_size, self.length_grouping = batch_size, length_grouping

    @property
    def n_samples(self) -> int:
        return len(self.inputs)

    def epoch(self, rng: np.random.Generator) -> Iterator[tuple[Batch, int]]:
        """Shuffled batches of windows, each cut to its longest window.

        With ``length_grouping = 0`` a batch is ``batch_size`` random windows; otherwise windows
        of about one length train together (``galrec.data.grouping``). The batch order is shuffled
        either way.
        """
        order = rng.permutation(self.n_samples)
        batches = length_batches(order, self.lengths, self.batch_size, self.length_grouping, self.n_targets)
        yield from self._batches(batches, rng)

    def _batches(self, batches: list[np.ndarray], rng: np.random.Generator) -> Iterator[tuple[Batch, int]]:
        for b in rng.permutation(len(batches)):
            idx = batches[b]
            width = int(self.lengths[idx].max())
            batch = {
                "input": torch.from_numpy(self.inputs[idx, -width:]),  # [B, T], left padding makes this a suffix
                "target": torch.from_numpy(self.targets[idx, -width:]),  # [B, T]
            }
            yield batch, len(idx)


class EdgeBatches:
    """BPR triples: every training edge (u, i) once per epoch, with one uniform negative item.

    Negatives are drawn uniformly from the whole catalogue without rejecting the user's own
    items: with ~10 items per user out of ~10^4, a collision has probability ~0.1%.
    """

    unit = "edge"

    def __init__(self, graph: BipartiteGraph, batch_size: int) -> None:
        coo = graph.user_item.tocoo()
        self.users = coo.row.astype(np.int64)
        self.items = coo.col.astype(np.int64)
        self.n_items = graph.n_items
        self.batch_size = batch_size

    @property
    def n_samples(self) -> int:
        return len(self.users)

    def epoch(self, rng: np.random.Generator) -> Iterator[tuple[Batch, int]]:
        order = rng.permutation(self.n_samples)
        negs = rng.integers(1, self.n_items + 1, size=self.n_samples)
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            batch = {
                "user": torch.from_numpy(self.users[idx]),  # [B]
                "pos": torch.from_numpy(self.items[idx]),  # [B]
                "neg": torch.from_numpy(negs[i : i + len(idx)]),  # [B]
            }
            yield batch, len(idx)
