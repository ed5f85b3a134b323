"""A Transformer encoder block assembled from the course's own parts.

Letters: B batch, T time, D model width (``d_model``), F feed-forward width.

The block is the lecture's self-attention "plugged into a larger network":
multi-head attention (course_lib.attention) and a position-wise feed-forward
net, each wrapped in a residual connection followed by LayerNorm (the original
"post-norm" order). Parameter names follow ``torch.nn.TransformerEncoderLayer``
(``self_attn``, ``linear1``, ``linear2``, ``norm1``, ``norm2``), so weights load
from torch's layer (built with ``dropout=0.0, batch_first=True``) unchanged.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .attention import MultiheadAttention


class TransformerBlock(nn.Module):
    """x (B, T, D) -> (B, T, D): x = norm1(x + attention(x)); x = norm2(x + feed_forward(x))."""

    def __init__(
        self, d_model: int, nhead: int, dim_feedforward: int = 2048, layer_norm_eps: float = 1e-5
    ):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, batch_first=True)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)

    def forward(self, x: Tensor, key_padding_mask: Tensor | None = None) -> Tensor:
        """key_padding_mask: (B, T), True where a position is padding (torch's convention)."""
        if x.dim() != 3 or x.shape[-1] != self.norm1.normalized_shape[0]:
            raise ValueError(
                f"x must be (batch, time, {self.norm1.normalized_shape[0]}), got {tuple(x.shape)}"
            )
        attended, _ = self.self_attn(x, x, x, key_padding_mask=key_padding_mask, need_weights=False)
        x = self.norm1(x + attended)  # residual, then LayerNorm
        x = self.norm2(x + self.linear2(torch.relu(self.linear1(x))))
        return x
