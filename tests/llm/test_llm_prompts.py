import numpy as np
import pytest
import torch

from galrec.config import PromptConfig
from galrec.errors import GalrecError
from galrec.graph.sampling import sample_hop1, sample_hop2_items, sample_hop2_users
from galrec.llm.prompts import (
    SLOT_ITEM,
    SLOT_ITEM_GROUP,
    SLOT_TEXT,
    SLOT_USER,
    SLOT_USER_GROUP,
    PromptBatch,
    PromptBuilder,
)

SEED = 7


def real(batch: PromptBatch, row: int, field: str) -> list[int]:
    return getattr(batch, field)[row, : int(batch.n_tokens[row])].tolist()


def refs(batch: PromptBatch, row: int, kind: int) -> list[int]:
    kinds = real(batch, row, "slot_kind")
    return [r for k, r in zip(kinds, real(batch, row, "slot_ref")) if k == kind]


def user_batch(cfg, tokenizer, data, graph, loo, users=("101", "103")):
    users = data.users.index(users)
    builder = PromptBuilder(cfg, tokenizer, data, graph)
    return builder.user_prompts(users, loo.train.padded(users, 10), np.random.default_rng(SEED)), users


def test_user_prompt_lists_the_history_then_the_sampled_2hop_users(tokenizer, data, graph, loo):
    cfg = PromptConfig(history_items=3, n_hop2_users=4)
    batch, users = user_batch(cfg, tokenizer, data, graph, loo)
    hop2 = sample_hop2_users(graph, users, 4, np.random.default_rng(SEED))
    b, t = batch.input_ids.shape
    for field in ("attention_mask", "slot_kind", "slot_ref"):
        assert getattr(batch, field).shape == (b, t)
    assert batch.groups.shape == (0, 0)
    for row, user in enumerate(users):
        history = loo.train.row(user)[-3:].tolist()  # most recent last
        assert refs(batch, row, SLOT_ITEM) == history
        assert refs(batch, row, SLOT_USER) == [0, *[v for v in hop2[row] if v]]  # 0: the own user
        slots = [k for k in real(batch, row, "slot_kind") if k != SLOT_TEXT]
        assert slots == [SLOT_USER] + [SLOT_ITEM] * 3 + [SLOT_USER] * 4  # template order
        n = int(batch.n_tokens[row])
        assert batch.attention_mask[row].tolist() == [1] * n + [0] * (t - n)  # right padded
        assert (batch.slot_kind[row, n:] == SLOT_TEXT).all()
        ids, kinds = real(batch, row, "input_ids"), real(batch, row, "slot_kind")
        text = [i for i, k in zip(ids, kinds) if k == SLOT_TEXT]
        assert tokenizer.decode(text).startswith("User bought,,.")
        assert tokenizer.decode(text).endswith("Which item will the user buy next?")


def test_short_histories_list_only_real_items(tokenizer, data, graph, loo):
    batch, users = user_batch(PromptConfig(history_items=20), tokenizer, data, graph, loo)
    for row, user in enumerate(users):
        assert refs(batch, row, SLOT_ITEM) == loo.train.row(user).tolist()


def test_item_prompt_lists_sampled_users_then_2hop_items(tokenizer, data, graph):
    cfg = PromptConfig(n_hop1_users=3, n_hop2_items=2)
    items = data.items.index(["11", "18"])
    batch = PromptBuilder(cfg, tokenizer, data, graph).item_prompts(items, np.random.default_rng(SEED))
    rng = np.random.default_rng(SEED)
    hop1 = sample_hop1(graph.item_user, items, 3, rng)
    hop2 = sample_hop2_items(graph, items, 2, rng)
    for row, item in enumerate(items):
        assert refs(batch, row, SLOT_ITEM) == [item, *[j for j in hop2[row] if j]]
        assert refs(batch, row, SLOT_USER) == [u for u in hop1[row] if u]


def test_listed_prompts_grow_with_the_neighbour_count(tokenizer, data, graph, loo):
    batches = [user_batch(PromptConfig(n_hop2_users=k), tokenizer, data, graph, loo)[0] for k in (1, 2, 4)]
    lengths = np.array([b.n_tokens.tolist() for b in batches])  # [3 neighbour counts, 2 users]
    assert (np.diff(lengths, axis=0) > 0).all()


def test_compact_prompts_have_a_fixed_token_count(tokenizer, data, graph, loo):
    counts = set()
    for k in (1, 5):
        cfg = PromptConfig(neighbours="compact", n_hop2_users=k, history_items=4)
        batch, users = user_batch(cfg, tokenizer, data, graph, loo)
        counts.update(batch.n_tokens.tolist())  # 101 and 103 have 3 and 5 training items
        hop2 = sample_hop2_users(graph, users, k, np.random.default_rng(SEED))
        for row, user in enumerate(users):
            (items_row,) = refs(batch, row, SLOT_ITEM_GROUP)
            (users_row,) = refs(batch, row, SLOT_USER_GROUP)
            members = batch.groups[items_row].tolist()
            assert members[: len(loo.train.row(user)[-4:])] == loo.train.row(user)[-4:].tolist()
            assert [v for v in batch.groups[users_row].tolist() if v] == [v for v in hop2[row] if v]
            assert refs(batch, row, SLOT_USER) == [0] and refs(batch, row, SLOT_ITEM) == []
    assert len(counts) == 1


def test_titles_follow_item_placeholders_cut_to_title_tokens(tokenizer, data, graph, loo):
    cfg = PromptConfig(titles=True, title_tokens=4, history_items=20)
    batch, users = user_batch(cfg, tokenizer, data, graph, loo, users=("103",))
    ids, kinds, ref = (real(batch, 0, f) for f in ("input_ids", "slot_kind", "slot_ref"))
    ends = {tokenizer(c, add_special_tokens=False)["input_ids"][0] for c in (",", ".")}  # separator, template
    for pos in [p for p, k in enumerate(kinds) if k == SLOT_ITEM]:
        title = data.titles[ref[pos]]
        expected = tokenizer(" " + title, add_special_tokens=False)["input_ids"][:4] if title else []
        assert ids[pos + 1 : pos + 1 + len(expected)] == expected
        assert all(k == SLOT_TEXT for k in kinds[pos + 1 : pos + 1 + len(expected)])
        assert ids[pos + 1 + len(expected)] in ends  # no title tokens beyond the cut


def test_text_only_prompts_have_titles_and_no_placeholders(tokenizer, data, graph, loo):
    cfg = PromptConfig(ids=False, titles=True, title_tokens=3)
    batch, users = user_batch(cfg, tokenizer, data, graph, loo, users=("101",))
    assert set(real(batch, 0, "slot_kind")) == {SLOT_TEXT}
    text = tokenizer.decode(real(batch, 0, "input_ids"))
    assert text.startswith("User a user bought Matte red, Rose hand cream, Nail polish.")
    assert "Users who bought the same things:." in text  # users have no text without ids


def test_no_neighbours_keeps_the_history_only(tokenizer, data, graph, loo):
    batch, users = user_batch(PromptConfig(neighbours="none"), tokenizer, data, graph, loo)
    for row, user in enumerate(users):
        assert refs(batch, row, SLOT_USER) == [0]
        assert refs(batch, row, SLOT_ITEM) == loo.train.row(user).tolist()


def test_bad_templates_and_combinations_are_named(tokenizer, data, graph):
    with pytest.raises(GalrecError, match="unknown placeholder <hop1>"):
        PromptBuilder(PromptConfig(user_template="User <user> with <hop1>"), tokenizer, data, graph)
    with pytest.raises(GalrecError, match="prompt.neighbours"):
        PromptConfig(ids=False, titles=True, neighbours="compact")


def test_prompt_batch_moves_as_a_whole(tokenizer, data, graph, loo):
    batch, _ = user_batch(PromptConfig(neighbours="compact"), tokenizer, data, graph, loo)
    moved = batch.to(torch.device("cpu"))
    assert len(moved) == 2 and torch.equal(moved.groups, batch.groups)
