"""Model-level checks on tiny random data: the equations, causality, padding, the no-leak graph."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from galrec.baselines.batches import SequenceBatches
from galrec.baselines.configs import LightGCNConfig, SASRecConfig
from galrec.baselines.lightgcn import LightGCN, SymmetricSpMM, normalized_adjacency
from galrec.baselines.pop import Pop
from galrec.baselines.sasrec import SASRec
from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph

N_ITEMS = 30


def _sasrec(loss: str = "ce", block: str = "pre_ln", positions: str = "from_first", **more: str) -> SASRec:
    torch.manual_seed(0)
    cfg = SASRecConfig(hidden=16, inner=32, dropout=0.0, attn_dropout=0.0, loss=loss, block=block,  # type: ignore[arg-type]
                       positions=positions, **more)  # type: ignore[arg-type]
    return SASRec(N_ITEMS, max_len=8, cfg=cfg).eval()


def _loo(n_users: int = 40, seed: int = 0) -> LeaveOneOut:
    rng = np.random.default_rng(seed)
    rows = [np.zeros(0, np.int64)] + [rng.integers(1, N_ITEMS + 1, size=rng.integers(3, 12)) for _ in range(n_users)]
    data = Interactions("tiny", IdMap([f"u{u}" for u in range(n_users)]), IdMap([f"i{i}" for i in range(N_ITEMS)]),
                        Sequences.from_lists(rows))
    return LeaveOneOut.from_interactions(data)


@pytest.mark.parametrize("block", ["pre_ln", "original"])
def test_sasrec_one_pass_loss_equals_mean_over_prefixes(block: str) -> None:
    model = _sasrec(block=block)
    seq = torch.tensor([[0, 0, 3, 7, 5, 9, 2]])  # a window: inputs then the next items
    loss = model.calculate_loss({"input": seq[:, :-1], "target": seq[:, 1:] * (seq[:, :-1] > 0)})
    prefix_losses = []
    for t in range(3, 7):  # each prefix seq[2:t] predicts seq[t], scored like an evaluation input
        scores = model.score(torch.zeros(1, dtype=torch.long), seq[:, :t])[:, 1:]  # [1, n_items]
        prefix_losses.append(F.cross_entropy(scores, seq[:, t] - 1))
    torch.testing.assert_close(loss, torch.stack(prefix_losses).mean(), rtol=1e-5, atol=1e-6)


def test_prefix_windows_with_positions_from_last_train_what_evaluation_scores() -> None:
    """Every prefix as its own window, positions counted back from its last item: the loss is the
    mean over prefixes of the cross-entropy of the scores an evaluation would give that prefix."""
    model = _sasrec(block="original", positions="from_last")
    rows = [[3, 7, 5, 9, 2, 4, 8, 1, 6, 10, 12]]  # 11 items, longer than max_len + 1 = 9
    batches = SequenceBatches(Sequences.from_lists(rows), max_len=8, batch_size=64, prefixes=True)
    (batch, size), = list(batches.epoch(np.random.default_rng(0)))
    assert size == 10
    loss = model.calculate_loss(batch)
    seq = torch.tensor(rows)
    expected = [F.cross_entropy(model.score(torch.zeros(1, dtype=torch.long), seq[:, max(0, t - 8):t])[:, 1:],
                                seq[:, t] - 1) for t in range(1, 11)]
    torch.testing.assert_close(loss, torch.stack(expected).mean(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("block", ["pre_ln", "original"])
@pytest.mark.parametrize("positions", ["from_first", "from_last"])
def test_sasrec_is_causal_and_padding_invariant(block: str, positions: str) -> None:
    model = _sasrec(block=block, positions=positions)
    a = torch.tensor([[0, 0, 0, 4, 5, 6]])
    b = torch.tensor([[0, 0, 0, 4, 5, 11]])
    torch.testing.assert_close(model.encode(a)[:, :5], model.encode(b)[:, :5])  # the future is not seen
    wide = torch.tensor([[0] * 20 + [4, 5, 6]])
    torch.testing.assert_close(model.score(torch.tensor([1]), a), model.score(torch.tensor([1]), wide))
    assert torch.isfinite(model.encode(torch.zeros(2, 5, dtype=torch.long))).all()  # all padding: no NaN


@pytest.mark.parametrize("residual", ["normed", "raw"])
def test_sasrec_with_visible_padding_keys_is_causal_and_sees_padding_only_when_there_is_some(residual: str) -> None:
    """The published frame: windows left-padded to max_len (8 here), padding keys not masked."""
    model = _sasrec(block="original", positions="from_last", padding_keys="attended", attn_residual=residual)
    masked = _sasrec(block="original", positions="from_last", attn_residual=residual)
    a, b = torch.tensor([[0, 0, 4, 5, 6]]), torch.tensor([[0, 0, 4, 5, 11]])
    torch.testing.assert_close(model.encode(a)[:, :4], model.encode(b)[:, :4])  # the future is not seen
    torch.testing.assert_close(model.encode(a), model.encode(F.pad(a, (3, 0)))[:, 3:])  # the same 8-wide frame
    full = torch.tensor([[3, 1, 4, 1, 5, 9, 2, 6]])  # no padding in the frame: nothing else to attend to
    torch.testing.assert_close(model.encode(full), masked.encode(full))
    assert not torch.allclose(model.encode(a), masked.encode(a))  # short windows: the padding slots count


def test_raw_attention_residual_changes_the_block() -> None:
    full = torch.tensor([[3, 1, 4, 1, 5, 9, 2, 6]])
    raw, normed = _sasrec(block="original", attn_residual="raw"), _sasrec(block="original")
    assert not torch.allclose(raw.encode(full), normed.encode(full))


def test_xavier_init_scales_each_table_by_its_shape() -> None:
    model = _sasrec(block="original", init="xavier")
    for table in (model.item_emb.weight[1:], model.pos_emb.weight, model.blocks[0].qkv.weight):
        fan_out, fan_in = table.shape
        expected = (2.0 / (fan_in + fan_out)) ** 0.5  # the pos table [8, 16]: 0.41, not 0.02
        assert abs(table.std().item() / expected - 1) < 0.35
    assert torch.all(model.item_emb.weight[0] == 0) and torch.all(model.blocks[0].qkv.bias == 0)


def test_sasrec_bce_loss_is_finite_and_differentiable() -> None:
    model = _sasrec("bce").train()
    loss = model.calculate_loss({"input": torch.tensor([[0, 1, 2]]), "target": torch.tensor([[0, 2, 3]])})
    loss.backward()
    assert torch.isfinite(loss) and model.item_emb.weight.grad is not None


def test_sasrec_sampled_softmax_is_ce_over_target_and_shared_negatives() -> None:
    model = _sasrec("sampled")
    model.negatives = 64  # > N_ITEMS, so the targets are drawn among the negatives too
    batch = {"input": torch.tensor([[0, 1, 2, 3]]), "target": torch.tensor([[0, 2, 3, 4]])}
    torch.manual_seed(5)
    loss = model.calculate_loss(batch)
    torch.manual_seed(5)
    neg = torch.randint(1, N_ITEMS + 1, (64,))  # [S] the same draw
    h = model.encode(batch["input"])[:, 1:][0]  # [3, d] the positions with a target
    target = torch.tensor([2, 3, 4])
    expected = []
    for row, t in zip(h, target):
        others = neg[neg != t]  # a negative equal to the target is masked out
        logits = torch.cat([row[None] @ model.item_emb.weight[t][:, None], (row @ model.item_emb.weight[others].T)[None]], 1)
        expected.append(F.cross_entropy(logits, torch.zeros(1, dtype=torch.long)))
    torch.testing.assert_close(loss, torch.stack(expected).mean(), rtol=1e-5, atol=1e-6)
    loss.backward()
    assert model.item_emb.weight.grad is not None


def test_sasrec_user_embeddings_are_the_validation_inputs() -> None:
    loo, model = _loo(), _sasrec()
    users = model.user_embeddings(loo)
    assert users.shape == (loo.data.n_users + 1, 16) and (users[0] == 0).all()
    hist = loo.train.padded(np.array([5]), 8)
    torch.testing.assert_close(users[5], model.represent(hist)[0])


def test_lightgcn_adjacency_is_symmetric_normalised() -> None:
    graph = BipartiteGraph.from_sequences(Sequences.from_lists([[], [1, 2], [2]]), n_items=3)
    A = normalized_adjacency(graph).to_dense()  # users 0..2, then items 0..3
    assert A.shape == (7, 7)
    torch.testing.assert_close(A, A.T)
    # user 1 (degree 2) - item 2 (degree 2): 1 / sqrt(2 * 2)
    assert abs(float(A[1, 3 + 2]) - 0.5) < 1e-6
    assert float(A[0].abs().sum()) == 0 and float(A[3 + 3].abs().sum()) == 0  # padding, unseen item


def test_lightgcn_graph_holds_only_training_edges_and_symmetric_backward_is_exact() -> None:
    loo = _loo()
    graph = BipartiteGraph.from_sequences(loo.train, loo.data.n_items)
    ui = graph.user_item
    users = loo.eval_users()
    for u in users:  # a validation or test item never enters the graph unless also in training
        train_items = set(loo.train.row(u).tolist())
        assert set(ui.indices[ui.indptr[u] : ui.indptr[u + 1]].tolist()) == train_items
    torch.manual_seed(0)
    model = LightGCN(graph, LightGCNConfig(dim=8, layers=2))
    x = torch.randn(model.adj.shape[0], 8, requires_grad=True)
    dense = model.adj.to_dense()
    (dense @ (dense @ x)).pow(2).sum().backward()
    expected = x.grad.clone()
    x.grad = None
    SymmetricSpMM.apply(model.adj, SymmetricSpMM.apply(model.adj, x)).pow(2).sum().backward()
    torch.testing.assert_close(x.grad, expected, rtol=1e-4, atol=1e-5)


def test_lightgcn_scores_unknown_users_by_their_history() -> None:
    loo = _loo()
    torch.manual_seed(0)
    model = LightGCN(BipartiteGraph.from_sequences(loo.train, loo.data.n_items), LightGCNConfig(dim=8))
    users, items = model.propagate()
    hist = torch.tensor([[0, 0, 3, 5]])
    expected = (items[3] + items[5]) / 2 @ items.T
    torch.testing.assert_close(model.score(torch.tensor([0]), hist)[0], expected)
    torch.testing.assert_close(model.score(torch.tensor([4]), hist)[0], users[4] @ items.T)
    loss = model.calculate_loss({"user": torch.tensor([1, 2]), "pos": torch.tensor([1, 2]), "neg": torch.tensor([3, 4])})
    loss.backward()
    assert model.user_emb.weight.grad is not None


def test_pop_ranks_by_training_count_with_distinct_scores() -> None:
    train = Sequences.from_lists([[], [1, 2, 2], [2, 3], [3, 2]])
    scores = Pop(train, n_items=5, seed=0).score(torch.tensor([1, 0]), torch.zeros(2, 3, dtype=torch.long))
    assert scores.shape == (2, 6)
    s = scores[0]
    assert s[2] > s[3] > s[1] and s[1] > s[4] and s[1] > s[5]  # 2 seen 4x, 3 twice, 1 once
    assert len(set(s.tolist())) == 6  # ties broken: no target gets a flattering tie


def test_lightgcn_inference_cache_follows_the_weights() -> None:
    loo = _loo()
    torch.manual_seed(0)
    model = LightGCN(BipartiteGraph.from_sequences(loo.train, loo.data.n_items), LightGCNConfig(dim=8))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    batch = {"user": torch.tensor([1, 2]), "pos": torch.tensor([1, 2]), "neg": torch.tensor([3, 4])}
    with torch.no_grad():
        before = model.propagate()[0].clone()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    model.calculate_loss(batch).backward()
    optimizer.step()
    with torch.no_grad():
        assert not torch.equal(model.propagate()[0], before)  # a step invalidates the cache
    model.load_state_dict(state)
    with torch.no_grad():
        assert torch.equal(model.propagate()[0], before)  # so does loading a state
