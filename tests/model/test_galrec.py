"""The GAL-Rec module: loss terms, training signal, the E4SRec-style path, scoring."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def batch_of(tiny, n: int = 8, seed: int = 0):
    idx = np.arange(n) * 3 % len(tiny.examples)
    return tiny.collate(idx, np.random.default_rng(seed))


def test_every_term_finite_and_total_decreases(tiny) -> None:
    model = tiny.model
    batch = batch_of(tiny)
    with torch.no_grad():  # fill the bank and queues so that L1 and L3 have positives and negatives
        for s in range(3):
            warm = batch_of(tiny, 12, seed=10 + s)
            out = model(warm)
            model.remember(**out.memory)
            model.bank.refresh(torch.arange(1, 31), torch.randn(30, model.backbone.hidden_size))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(8):
        out = model(batch)
        assert set(out.terms) == {"l0", "l1", "l2", "l3"}
        assert all(torch.isfinite(v) for v in out.terms.values()), out.terms
        assert all(v > 0 for v in out.terms.values()), out.terms
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        losses.append(out.loss.item())
    assert losses[-1] < losses[0] * 0.9, losses


def test_graph_parts_off_is_the_e4srec_path(make_tiny) -> None:
    tiny = make_tiny(loss={"l1": 0, "l2": 0, "l3": 0}, prompt={"neighbours": "none"})
    batch = batch_of(tiny)
    assert batch.item_prompts is None and batch.hop2_users is None and batch.hop1_users is None
    calls = []
    tiny.model.backbone.register_forward_hook(lambda module, args, out: calls.append(len(out)))
    out = tiny.model(batch)
    assert calls == [len(batch)]  # the user prompts only: no item prompt is ever encoded
    assert set(out.terms) == {"l0"}
    logits = tiny.model.score(batch.user_prompts, batch.histories)  # [B, n_items + 1]
    expected = F.cross_entropy(logits[:, 1:], batch.targets - 1)
    torch.testing.assert_close(out.loss, expected)


def test_item_prompts_are_encoded_only_for_l2(make_tiny) -> None:
    tiny = make_tiny(loss={"l1": 0.5, "l2": 0.0, "l3": 0.5})
    batch = batch_of(tiny)
    assert batch.item_prompts is None and batch.hop1_users is not None
    calls = []
    tiny.model.backbone.register_forward_hook(lambda module, args, out: calls.append(len(out)))
    tiny.model(batch)
    assert calls == [len(batch)]


def test_score_covers_the_catalogue_and_matches_an_untied_head(make_tiny) -> None:
    for tied in (True, False):
        tiny = make_tiny(external={"tie_head": tied})
        batch = batch_of(tiny)
        tiny.model.eval()
        with torch.no_grad():
            scores = tiny.model.score(batch.user_prompts, batch.histories)
            again = tiny.model.score(batch.user_prompts, batch.histories, tiny.model.catalogue())
        assert scores.shape == (len(batch), tiny.loo.data.n_items + 1)
        torch.testing.assert_close(scores, again)


def test_remember_refreshes_the_bank_and_fills_the_queues(tiny) -> None:
    batch = batch_of(tiny, 4)
    out = tiny.model(batch)
    assert not tiny.model.bank.seen.any()
    tiny.model.remember(**out.memory)
    users = batch.users
    assert tiny.model.bank.seen[users].all() and int(tiny.model.bank.seen.sum()) == len(set(users.tolist()))
    torch.testing.assert_close(tiny.model.bank.vectors[users[-1]], out.memory["user_vectors"][-1])
    assert tiny.model.user_queue.ids[:4].tolist() == users.tolist()
    assert tiny.model.item_queue.ids[:4].tolist() == batch.targets.tolist()
    assert int(tiny.model.user_queue.ptr) == 4


def test_training_state_holds_trainables_and_memory_only(tiny) -> None:
    state = tiny.model.training_state()
    for key in (
        "user_queue.keys",
        "user_queue.ids",
        "user_queue.ptr",
        "item_queue.keys",
        "bank.vectors",
        "bank.seen",
    ):
        assert key in state
    assert not any(k.startswith("external.") for k in state)  # rebuilt from the baseline run
    assert any(k.startswith("map_user.") for k in state) and any(k.startswith("backbone.") for k in state)


def test_residual_adds_the_external_scores(make_tiny) -> None:
    plain, residual = make_tiny(), make_tiny(external={"residual": True})
    batch = batch_of(plain)
    for tiny in (plain, residual):
        tiny.model.eval()
    with torch.no_grad():
        base = plain.model.score(batch.user_prompts, batch.histories)  # [B, n_items + 1]
        both = residual.model.score(batch.user_prompts, batch.histories)
        ext = residual.model.external.score_history(batch.histories)  # [B, n_items + 1]
        expected = residual.model.external.encode_history(batch.histories) @ residual.model.external.item_table.T
    torch.testing.assert_close(ext, expected)
    torch.testing.assert_close(both, base + ext)  # same seed, same head; α starts at 1
    out = residual.model(batch)
    out.loss.backward()
    assert residual.model.residual_scale.grad is not None  # α is learned
