"""The audience-folded item table: its formula, and a user left out of its own items' audiences."""

from __future__ import annotations

import numpy as np
import torch

from galrec.data.sequences import Sequences
from galrec.graph.bipartite import BipartiteGraph
from galrec.model.item_graph import ItemGraphTable

# users 1..4 over items 1..4; item 4 has no user, item 3 only user 3
ROWS = [[], [1, 2], [1, 2], [2, 3], [1]]
N_ITEMS, D = 4, 5


def tables(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    items, users = torch.randn(N_ITEMS + 1, D, generator=gen), torch.randn(len(ROWS), D, generator=gen)
    items[0] = users[0] = 0
    return items, users


def graph() -> BipartiteGraph:
    return BipartiteGraph.from_sequences(Sequences.from_lists(ROWS), N_ITEMS)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_the_table_is_one_propagation_step_written_out() -> None:
    items, users = tables()
    x, u = items.double().numpy(), users.double().numpy()
    x_hat = unit(x[1:] - x[1:].mean(0))  # [4, d]
    u_hat = unit(u[1:] - u[1:].mean(0))  # [4, d]
    audience = {i: [v for v, row in enumerate(ROWS) if i in row] for i in range(1, N_ITEMS + 1)}
    a = np.stack([u_hat[np.array(audience[i]) - 1].mean(0) if audience[i] else np.zeros(D) for i in range(1, 5)])
    a_bar = a.mean(0)
    c = np.stack([unit(a[k] - a_bar) if audience[k + 1] else np.zeros(D) for k in range(4)])
    s = x_hat + c
    expected = unit(s - s.mean(0))
    table = ItemGraphTable(items, users, graph()).table
    assert not table[0].any()  # padding
    np.testing.assert_allclose(table[1:].numpy(), expected, rtol=1e-5, atol=1e-6)


def test_a_user_is_left_out_of_the_audience_of_items_it_trained_on() -> None:
    items, users = tables(1)
    g = ItemGraphTable(items, users, graph())
    ids = torch.tensor([[1, 2, 3, 4]])
    for u in range(1, len(ROWS)):
        got = g.tokens(torch.tensor([u]), ids)[0]  # [4, d]
        for k, i in enumerate(ids[0].tolist()):
            others = [v for v, row in enumerate(ROWS) if i in row and v != u]
            if i not in ROWS[u]:
                torch.testing.assert_close(got[k], g.table[i])  # not a training edge: the full audience
                continue
            sums = g.user_unit[others].sum(0) if others else torch.zeros(D)
            want = g.fold(torch.tensor(i), sums, torch.tensor(float(len(others))))
            torch.testing.assert_close(got[k], want)
    assert not torch.allclose(g.tokens(torch.tensor([1]), ids)[0, 0], g.table[1])  # the test sees a change

