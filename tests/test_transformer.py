"""The course's Transformer block equals torch.nn.TransformerEncoderLayer (post-norm, no dropout)."""

import pytest
import torch
from torch import nn

from course_lib.transformer import TransformerBlock


@pytest.mark.parametrize("with_padding", [False, True])
def test_transformer_block_matches_torch_encoder_layer(with_padding):
    torch.manual_seed(0)
    theirs = nn.TransformerEncoderLayer(
        16, 4, dim_feedforward=32, dropout=0.0, batch_first=True
    ).double()
    ours = TransformerBlock(16, 4, dim_feedforward=32).double()
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(3, 5, 16, dtype=torch.float64, requires_grad=True)
    mask = (
        torch.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]])
        if with_padding
        else None
    )
    x2 = x.detach().clone().requires_grad_(True)
    out_ours = ours(x, key_padding_mask=mask)
    out_theirs = theirs(x2, src_key_padding_mask=mask)
    keep = torch.ones(3, 5, 1, dtype=torch.bool) if mask is None else ~mask[..., None]
    torch.testing.assert_close(out_ours * keep, out_theirs * keep, rtol=0, atol=1e-10)
    ((out_ours * keep).sum() + (out_ours * keep).pow(2).sum()).backward()
    ((out_theirs * keep).sum() + (out_theirs * keep).pow(2).sum()).backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=0, atol=1e-10)
    for (name, a), b in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, rtol=0, atol=1e-10, msg=name)


def test_transformer_block_rejects_wrong_width():
    with pytest.raises(ValueError, match=r"x must be \(batch, time, 16\)"):
        TransformerBlock(16, 4)(torch.randn(2, 3, 8))


def test_transformer_block_matches_torch_encoder_layer_in_float32():
    torch.manual_seed(0)
    theirs = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True)
    ours = TransformerBlock(16, 4, dim_feedforward=32)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(3, 5, 16)
    torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=1e-5)
