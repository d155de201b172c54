import torch

from galrec.config import BackboneConfig
from galrec.llm.backbone import load_backbone
from galrec.llm.pooling import last_token_pool, mean_pool

MASK = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]])


def test_last_token_pool_takes_the_last_real_token_not_position_minus_one():
    hidden = torch.arange(3 * 5, dtype=torch.float32).reshape(3, 5, 1).expand(3, 5, 2)
    pooled = last_token_pool(hidden, MASK)
    assert pooled[:, 0].tolist() == [2.0, 9.0, 10.0]  # positions 2, 4, 0


def test_mean_pool_ignores_padding():
    hidden = torch.arange(3 * 5, dtype=torch.float32).reshape(3, 5, 1)
    assert mean_pool(hidden, MASK)[:, 0].tolist() == [1.0, 7.0, 10.0]


def test_causal_backbone_output_does_not_depend_on_right_padding():
    backbone = load_backbone(BackboneConfig(name="tiny-random")).eval()
    ids = torch.tensor([[11, 12, 13, 14, 0, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0, 0]])
    with torch.no_grad():
        padded = backbone(backbone.embed_tokens(ids), mask)
        alone = backbone(backbone.embed_tokens(ids[:, :4]), mask[:, :4])
        prefix = backbone(backbone.embed_tokens(ids[:, :3]), mask[:, :3])
    assert torch.allclose(padded, alone, atol=1e-5)
    assert not torch.allclose(padded, prefix, atol=1e-3)  # the 4th token is the one pooled
