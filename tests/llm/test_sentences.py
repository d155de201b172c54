"""Sentence vectors: batches sorted by length come back in the order of the texts."""

from __future__ import annotations

import torch

from galrec.llm.sentences import SentenceEncoder

TEXTS = ["a long title of a shampoo for dry and damaged hair | Beauty > Hair Care", "lipstick", "", "nail polish, red"]


def test_length_sorted_batches_keep_the_input_order() -> None:
    enc = SentenceEncoder("minilm-l6", batch_size=2)
    together = enc.encode(TEXTS, normalize=True)  # [4, d], batches regrouped by length
    enc.batch_size = 1
    alone = torch.cat([enc.encode([t], normalize=True) for t in TEXTS])  # one text per batch: no padding
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(together[0], together[1])
