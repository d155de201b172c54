import pytest
import torch

from galrec.llm.splice import splice


def reference_splice(token_embeds: torch.Tensor, mask: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    out = token_embeds.clone()
    n = 0
    for b in range(mask.shape[0]):
        for t in range(mask.shape[1]):
            if mask[b, t]:
                out[b, t] = vectors[n]
                n += 1
    return out


def test_splice_matches_a_slow_loop():
    gen = torch.Generator().manual_seed(0)
    embeds = torch.randn(4, 9, 6, generator=gen)
    mask = torch.rand(4, 9, generator=gen) < 0.4
    mask[2] = False  # a row without placeholders
    vectors = torch.randn(int(mask.sum()), 6, generator=gen)
    out = splice(embeds, mask, vectors)
    assert torch.equal(out, reference_splice(embeds, mask, vectors))
    assert torch.equal(out[~mask], embeds[~mask])


def test_splice_is_differentiable_in_both_inputs():
    embeds = torch.randn(2, 5, 3, requires_grad=True)
    mask = torch.tensor([[0, 1, 0, 0, 1], [1, 0, 0, 0, 0]], dtype=torch.bool)
    vectors = torch.randn(3, 3, requires_grad=True)
    weights = torch.randn(2, 5, 3)
    (splice(embeds, mask, vectors) * weights).sum().backward()
    assert torch.equal(vectors.grad, weights[mask])
    assert torch.equal(embeds.grad, weights * (~mask).unsqueeze(-1))


def test_splice_rejects_a_wrong_number_of_vectors():
    mask = torch.tensor([[True, False, True]])
    with pytest.raises(ValueError, match="2 placeholder positions"):
        splice(torch.zeros(1, 3, 4), mask, torch.zeros(3, 4))
