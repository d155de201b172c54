"""The text baseline: scores are the history's mean item vector against the table; GAL-Rec can read it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from galrec.baselines.configs import TextRunConfig, resolve_config
from galrec.baselines.run import load_baseline_run, run_baseline
from galrec.baselines.text import TextContent, item_texts
from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences
from galrec.data.split import LeaveOneOut


def _data() -> Interactions:
    rows = [[], [1, 2, 3, 4], [2, 3, 1], [4, 1, 2]]  # users 1..3; the last two items are valid/test
    return Interactions("t", IdMap(["u1", "u2", "u3"]), IdMap(["a", "b", "c", "d"]), Sequences.from_lists(rows),
                        titles=["", "red lipstick", "", "blue shampoo", "nail file"],
                        categories=["", "Makeup", "Hair", "", "Nails"])


def test_item_texts_join_title_and_categories() -> None:
    data = _data()
    assert item_texts(data, categories=True) == ["red lipstick | Makeup", "Hair", "blue shampoo", "nail file | Nails"]
    assert item_texts(data, categories=False) == ["red lipstick", "", "blue shampoo", "nail file"]


def test_scores_and_user_vectors_are_history_means() -> None:
    loo = LeaveOneOut.from_interactions(_data())
    model = TextContent(n_items=4, dim=3)
    table = torch.nn.functional.normalize(torch.randn(4, 3, generator=torch.Generator().manual_seed(0)), dim=1)
    model.fit(table)
    histories = torch.tensor([[0, 1, 3], [0, 0, 0]])  # left padded; the second is empty
    scores = model.score(torch.tensor([1, 0]), histories)
    expected = (table[0] + table[2]) / 2 @ model.item_table.T
    torch.testing.assert_close(scores[0], expected)
    assert torch.equal(scores[1], torch.zeros(5)) and torch.equal(model.item_table[0], torch.zeros(3))
    users = model.user_embeddings(loo)  # the training part: user 1 has items 1, 2
    torch.testing.assert_close(users[1], (table[0] + table[1]) / 2)
    torch.testing.assert_close(users[3], model.item_table[4])  # [4, 1, 2]: 1 and 2 are valid and test


def test_a_text_run_reloads_without_encoding_again(beauty_slice: Path, tmp_path: Path, monkeypatch) -> None:
    overrides = ["eval.batch_size=256", "text.max_tokens=8"]
    cfg = resolve_config(TextRunConfig, overrides=overrides, extra={"data": {"dataset": str(beauty_slice)}})
    run_baseline(cfg, tmp_path / "run", progress=False)
    from galrec.llm import sentences

    monkeypatch.setattr(sentences.SentenceEncoder, "encode", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    model, _, _ = load_baseline_run(tmp_path / "run")  # the table comes from the saved state
    norms = model.item_table[1:].norm(dim=1)
    np.testing.assert_allclose(norms.numpy(), 1.0, rtol=1e-5)
