"""Full and sampled ranking: the tie rule, masking, repeats, batching and determinism."""

from __future__ import annotations

import numpy as np
import torch

from galrec.data.split import LeaveOneOut
from galrec.eval.ranking import full_ranks, rank_batch, sampled_negatives, sampled_ranks

NO_MASK = torch.zeros(0, dtype=torch.long)


def ranks(
    scores: list[list[float]], targets: list[int], hist: list[tuple[int, int]] | None = None, **kw: bool
) -> list[int]:
    """Ranks for a batch given as plain lists; ``hist`` holds (batch row, item) pairs to mask."""
    rows = torch.tensor([r for r, _ in hist], dtype=torch.long) if hist else NO_MASK
    items = torch.tensor([i for _, i in hist], dtype=torch.long) if hist else NO_MASK
    return rank_batch(torch.tensor(scores), torch.tensor(targets), rows, items, **kw).tolist()


def test_ties_count_in_the_targets_favour() -> None:
    # item 1 (target) ties with item 2; only item 3 is strictly higher
    assert ranks([[0.0, 0.5, 0.5, 0.9, 0.1]], [1]) == [2]
    assert ranks([[0.0, 0.5, 0.5, 0.5, 0.5]], [3]) == [1]


def test_padding_item_is_masked() -> None:
    assert ranks([[9.0, 0.5, 0.1, 0.2]], [1]) == [1]


def test_history_items_are_masked() -> None:
    scores = [[0.0, 0.5, 0.9, 0.8, 0.1], [0.0, 0.1, 0.9, 0.8, 0.7]]
    # row 0: items 2 and 3 beat the target but are history; row 1: item 2 is history
    assert ranks(scores, [1, 4], hist=[(0, 2), (0, 3), (1, 2)]) == [1, 2]


def test_repeated_target_is_a_miss_unless_repeats_are_unmasked() -> None:
    scores = [[0.0, 0.5, 0.9, 0.8, 0.1]]
    hist = [(0, 1), (0, 3)]  # the target 1 is in the history, and so is item 3
    assert ranks(scores, [1], hist=hist, mask_repeats=True) == [5]  # n_items + 1
    assert ranks(scores, [1], hist=hist, mask_repeats=False) == [2]  # only item 2 is higher


def reference_ranks(table: torch.Tensor, loo: LeaveOneOut, split: str, mask_repeats: bool) -> list[int]:
    """One user at a time, straight from the rules in galrec/eval/ranking.py's docstring."""
    inputs, targets = loo.inputs(split), loo.targets(split)
    n_items = table.shape[1] - 1
    out = []
    for u in loo.eval_users():
        history = set(inputs.row(u).tolist())
        t = int(targets[u])
        if mask_repeats and t in history:
            out.append(n_items + 1)
            continue
        higher = sum(
            1 for i in range(1, n_items + 1) if i not in history and i != t and table[u, i] > table[u, t]
        )
        out.append(1 + higher)
    return out


def test_full_ranks_match_a_slow_reference(loo: LeaveOneOut, score_table, score_fn) -> None:
    users = loo.eval_users()
    for split in ("valid", "test"):
        for mask_repeats in (True, False):
            got = full_ranks(score_fn, loo.inputs(split), loo.targets(split), users, 50, 7, mask_repeats)
            assert got.tolist() == reference_ranks(score_table, loo, split, mask_repeats)
    repeats = full_ranks(score_fn, loo.test_input, loo.test_target, users, 50, 7, True)
    assert (repeats == loo.data.n_items + 1).sum() >= 5  # the fixture exercises the repeat rule


def test_sampled_negatives_depend_only_on_seed_and_user(loo: LeaveOneOut) -> None:
    n_items = loo.data.n_items
    everyone = sampled_negatives(n_items, loo.eval_users(), loo.test_input, loo.test_target, 100, seed=3)
    some = np.array([17, 4, 9])
    subset = sampled_negatives(n_items, some, loo.test_input, loo.test_target, 100, seed=3)
    np.testing.assert_array_equal(subset, everyone[some - 1])
    other_seed = sampled_negatives(n_items, some, loo.test_input, loo.test_target, 100, seed=4)
    assert not np.array_equal(subset, other_seed)
    for row, u in zip(subset, some):
        banned = set(loo.test_input.row(u).tolist()) | {int(loo.test_target[u]), 0}
        assert len(set(row.tolist())) == 100 and not banned & set(row.tolist())


def test_sampled_ranks_do_not_depend_on_batch_composition(loo: LeaveOneOut, score_fn) -> None:
    n_items, users = loo.data.n_items, loo.eval_users()
    args = (score_fn, loo.test_input, loo.test_target)
    everyone = sampled_ranks(*args, users, n_items, 50, seed=1, batch_size=8)
    reversed_ = sampled_ranks(*args, users[::-1].copy(), n_items, 50, seed=1, batch_size=5)
    np.testing.assert_array_equal(everyone, reversed_[::-1])
    repeated = np.array([loo.test_target[u] in loo.test_input.row(u) for u in users])
    assert ((everyone[~repeated] >= 1) & (everyone[~repeated] <= 101)).all()
    assert (everyone[repeated] == 102).all() and repeated.any()  # the repeat rule: a miss
    unmasked = sampled_ranks(*args, users, n_items, 50, seed=1, mask_repeats=False)
    assert ((unmasked >= 1) & (unmasked <= 101)).all()


def test_full_ranks_batch_users_by_history_length(loo: LeaveOneOut, score_fn) -> None:
    """Batches go shortest history first; the ranks come back in the order the users were given."""
    widths: list[int] = []

    def recording(users: torch.Tensor, histories: torch.Tensor) -> torch.Tensor:
        widths.append(int((histories > 0).sum(1).max()))
        return score_fn(users, histories)

    users = loo.eval_users()[::-1].copy()  # an order that is not by length
    got = full_ranks(recording, loo.test_input, loo.test_target, users, 50, 7, True)
    assert widths == sorted(widths) and len(widths) == -(-len(users) // 7)
    one_by_one = [full_ranks(score_fn, loo.test_input, loo.test_target, users[i : i + 1], 50, 1, True)[0]
                  for i in range(len(users))]
    assert got.tolist() == one_by_one
