"""Training batches: every training target once, inputs strictly before targets, nothing leaks."""

from __future__ import annotations

import numpy as np

from galrec.baselines.batches import EdgeBatches, SequenceBatches
from galrec.data.sequences import Sequences
from galrec.graph.bipartite import BipartiteGraph

ROWS = [[], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4], [5], [6, 7, 8]]


def _all(batches: SequenceBatches, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for batch, size in batches.epoch(np.random.default_rng(seed)):
        assert batch["input"].shape == batch["target"].shape and len(batch["input"]) == size
        out += list(zip(batch["input"].numpy(), batch["target"].numpy()))
    return out


def test_all_prefixes_uses_every_target_once() -> None:
    seqs = Sequences.from_lists(ROWS)
    windows = _all(SequenceBatches(seqs, max_len=4, batch_size=2))
    targets = sorted(int(t) for _, tgt in windows for t in tgt if t > 0)
    expected = sorted(i for row in ROWS for i in row[1:])  # every item but each row's first
    assert targets == expected
    for inp, tgt in windows:
        real = inp > 0
        assert (real == (tgt > 0)).all()  # one target per input position
        # within a row of ROWS items increase by one, so the next item is input + 1
        np.testing.assert_array_equal(tgt[real], inp[real] + 1)


def test_random_batches_hold_batch_size_windows_and_every_target_once() -> None:
    seqs = Sequences.from_lists(ROWS)
    b = SequenceBatches(seqs, max_len=4, batch_size=2, length_grouping=0)
    sizes = sorted(size for _, size in b.epoch(np.random.default_rng(1)))
    assert sizes == [1, 2, 2]  # five windows: three of the 12-item row, one each of [3, 4] and [6, 7, 8]
    targets = sorted(int(t) for _, tgt in _all(b) for t in tgt if t > 0)
    assert targets == sorted(i for row in ROWS for i in row[1:])


def test_prefixes_make_every_target_its_own_window() -> None:
    seqs = Sequences.from_lists(ROWS)
    windows = _all(SequenceBatches(seqs, max_len=4, batch_size=3, prefixes=True))
    assert sorted(int(t[-1]) for _, t in windows) == sorted(i for row in ROWS for i in row[1:])
    for inp, tgt in windows:
        assert (tgt[:-1] == 0).all() and tgt[-1] > 0  # one target, at the last position
        real = inp[inp > 0]
        # the most recent max_len items before the target (a row's items increase by one)
        np.testing.assert_array_equal(real, np.arange(max(tgt[-1] - 4, tgt[-1] - len(real)), tgt[-1]))
        assert len(real) <= 4 and inp[-1] == tgt[-1] - 1


def test_length_grouped_prefix_batches_hold_batch_size_prefixes() -> None:
    """One target per prefix: a batch of short prefixes must not hold more of them than a batch of
    long ones, or the mean loss would weigh each long prefix many times more than a short one."""
    rng = np.random.default_rng(0)
    rows = [list(range(1, n + 1)) for n in rng.integers(2, 30, size=60)]
    b = SequenceBatches(Sequences.from_lists(rows), max_len=20, batch_size=16, prefixes=True)
    sizes = [size for _, size in b.epoch(np.random.default_rng(0))]
    assert sum(sizes) == b.n_samples
    assert max(sizes) <= 16
    assert sum(size < 15 for size in sizes) <= 4  # only at the two ends of each of the two chunks


def test_last_keeps_only_the_final_target() -> None:
    seqs = Sequences.from_lists(ROWS)
    windows = _all(SequenceBatches(seqs, max_len=4, batch_size=8, examples="last"))
    assert sorted(int(t[-1]) for _, t in windows) == [4, 8, 12]
    assert all((t[:-1] == 0).all() for _, t in windows)
    long = [inp for inp, t in windows if t[-1] == 12][0]
    np.testing.assert_array_equal(long, [8, 9, 10, 11])  # the most recent max_len inputs


def test_batches_are_trimmed_and_seeded() -> None:
    seqs = Sequences.from_lists(ROWS)
    b = SequenceBatches(seqs, max_len=50, batch_size=1)
    widths = {batch["input"].shape[1] for batch, _ in b.epoch(np.random.default_rng(0))}
    # windows of 11, 1 and 2 inputs; a budget of 1 x 4.7 items groups the two short ones
    assert widths == {11, 2}
    first = [x[0].tolist() for x in _all(b, seed=3)]
    assert first == [x[0].tolist() for x in _all(b, seed=3)]


def test_edge_batches_cover_the_training_graph() -> None:
    seqs = Sequences.from_lists(ROWS)
    graph = BipartiteGraph.from_sequences(seqs, n_items=12)
    b = EdgeBatches(graph, batch_size=4)
    edges, negs = set(), []
    for batch, _ in b.epoch(np.random.default_rng(0)):
        edges |= set(zip(batch["user"].tolist(), batch["pos"].tolist()))
        negs += batch["neg"].tolist()
    assert edges == {(u, i) for u, row in enumerate(ROWS) for i in row}
    assert min(negs) >= 1 and max(negs) <= 12
