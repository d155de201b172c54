"""Sequence mode: every position supervised in one causal pass, and nothing later leaks back."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from galrec.llm.sequence import SequenceBuilder, SequenceInputs
from galrec.training.batches import SequenceCollator
from galrec.training.examples import PrefixExamples

NEIGHBOURS = ("none", "sum", "token", "table")


def sequence_tiny(make_tiny, neighbours: str = "sum", prompt: dict | None = None, **sections):
    prompt = {"sequence_neighbours": neighbours, **(prompt or {})}
    tiny = make_tiny(train={"mode": "sequence"}, prompt=prompt, **sections)
    examples = PrefixExamples(tiny.loo.train, "last")
    builder = SequenceBuilder(tiny.cfg.prompt, tiny.model.backbone.tokenizer, tiny.graph)
    return tiny, examples, SequenceCollator(examples, builder, tiny.graph, tiny.cfg)


@pytest.mark.parametrize("neighbours", NEIGHBOURS)
def test_later_items_change_no_earlier_state(make_tiny, neighbours: str) -> None:
    tiny, _, collate = sequence_tiny(make_tiny, neighbours)
    model = tiny.model.eval()
    inputs = collate(np.arange(6), np.random.default_rng(0)).inputs
    t = 2  # positions 0..t keep their items and audiences; everything after changes
    items = inputs.items.clone()
    later = torch.arange(items.shape[1]) > t
    items[:, later] = torch.where(items[:, later] > 0, items[:, later] % 19 + 1, 0)
    audience = None
    if inputs.audience is not None:
        audience = inputs.audience.clone()
        audience[:, later] = audience[:, later] % 29 + 1
    changed = SequenceInputs(inputs.prefix_ids, items, audience, inputs.users)
    with torch.no_grad():
        before = model.encode_sequences(inputs)  # [B, L, H]
        after = model.encode_sequences(changed)
    torch.testing.assert_close(before[:, : t + 1], after[:, : t + 1])
    real_later = (inputs.items > 0) & later
    assert not torch.allclose(before[real_later], after[real_later])  # the test can see a change


def test_batch_targets_are_the_next_training_items(make_tiny) -> None:
    tiny, examples, collate = sequence_tiny(make_tiny)
    idx = np.arange(len(examples))
    batch = collate(idx, np.random.default_rng(0))
    for row, u in enumerate(examples.users[idx]):
        seq = tiny.loo.train.row(int(u)).tolist()  # the training part only
        n = min(len(seq) - 1, tiny.cfg.data.max_len)
        assert batch.inputs.items[row, :n].tolist() == seq[-n - 1 : -1]
        assert batch.targets[row, :n].tolist() == seq[-n:]
        assert not batch.targets[row, n:].any() and not batch.inputs.items[row, n:].any()
        assert int(batch.last_targets[row]) == seq[-1]
        audience = batch.inputs.audience[row, :n]
        assert not (audience == int(u)).any()  # a user is not part of its items' audiences
        for item, users in zip(seq[-n - 1 : -1], audience.tolist()):
            assert set(users) - {0} <= set(tiny.graph.item_user[item].indices.tolist())


def test_loss_is_the_mean_cross_entropy_of_every_position(make_tiny) -> None:
    tiny, _, collate = sequence_tiny(make_tiny, loss={"l1": 0, "l2": 0, "l3": 0})
    model = tiny.model
    batch = collate(np.arange(8), np.random.default_rng(1))
    out = model(batch)
    states = model.encode_sequences(batch.inputs)
    keep = batch.targets > 0
    scores = model.head(states[keep], model.catalogue())  # [N, n_items + 1]
    torch.testing.assert_close(out.loss, F.cross_entropy(scores[:, 1:], batch.targets[keep] - 1))
    assert int(keep.sum()) > len(batch)  # more targets than users: the point of the mode
    out.loss.backward()
    assert model.map_item.fc2.weight.grad is not None
    assert any(p.grad is not None for p in model.backbone.parameters() if p.requires_grad)


def test_scores_read_the_state_after_the_last_item(make_tiny) -> None:
    tiny, _, collate = sequence_tiny(make_tiny, "token")
    model = tiny.model.eval()
    inputs = collate(np.arange(5), np.random.default_rng(2)).inputs
    with torch.no_grad():
        states = model.encode_sequences(inputs)
        last = states[torch.arange(5), inputs.lengths - 1]
        torch.testing.assert_close(model.score_sequences(inputs), model.head(last, model.catalogue()))


def test_graph_terms_train_in_sequence_mode(make_tiny) -> None:
    tiny, _, collate = sequence_tiny(make_tiny)
    model = tiny.model
    model.bank.refresh(torch.arange(1, 31), torch.randn(30, model.backbone.hidden_size))
    out = model(collate(np.arange(10), np.random.default_rng(3)))
    assert set(out.terms) == {"l0", "l1", "l2", "l3"}
    assert all(torch.isfinite(v) and v > 0 for v in out.terms.values()), out.terms
    out.loss.backward()
    model.remember(**out.memory)
    assert int((model.user_queue.ids > 0).sum()) > 0 and int((model.item_queue.ids > 0).sum()) > 0


def test_a_closed_audience_gate_starts_from_the_item_only_model(make_tiny) -> None:
    tiny, _, collate = sequence_tiny(make_tiny, "sum", prompt={"audience_gate": True}, loss={"l1": 0, "l2": 0, "l3": 0})
    model = tiny.model.eval()
    inputs = collate(np.arange(6), np.random.default_rng(4)).inputs
    items_only = SequenceInputs(inputs.prefix_ids, inputs.items, None)
    with torch.no_grad():
        torch.testing.assert_close(model.encode_sequences(inputs), model.encode_sequences(items_only))
        model.audience_gate.fill_(0.5)
        assert not torch.allclose(model.encode_sequences(inputs), model.encode_sequences(items_only))
    model.audience_gate.data.zero_()
    out = model.train()(collate(np.arange(6), np.random.default_rng(4)))
    out.loss.backward()
    assert model.audience_gate.grad is not None and model.audience_gate.grad != 0  # it can open
    assert any(p is model.audience_gate for p in model.parameter_groups()[1])  # at the heads' rate


def test_table_mode_leaves_each_row_user_out_of_its_own_items(make_tiny) -> None:
    tiny, _, collate = sequence_tiny(make_tiny, "table", loss={"l1": 0, "l2": 0, "l3": 0})
    model = tiny.model.eval()
    inputs = collate(np.arange(6), np.random.default_rng(5)).inputs
    assert inputs.audience is None and inputs.users is not None
    others = SequenceInputs(inputs.prefix_ids, inputs.items, None, inputs.users % 30 + 1)
    with torch.no_grad():
        tokens = model.item_graph.tokens(inputs.users, inputs.items)  # [B, L, d]
        real = inputs.items > 0
        assert not torch.allclose(tokens[real], model.item_graph.table[inputs.items][real])  # u was left out
        assert not torch.allclose(model.encode_sequences(inputs), model.encode_sequences(others))
        torch.testing.assert_close(model.catalogue(), model.map_item(model.item_graph.table))  # the head: full audiences

