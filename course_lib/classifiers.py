"""Sentence classifiers built from the course's parts, for the capstone's one-table comparison.

Letters: B batch, T time (right-padded with ``pad_index``), E embedding, H hidden, C classes.
Every model maps tokens (B, T) -> logits (B, C) and ignores padding, so the
models differ only in how they read a sentence. The plain DNN and the one-way
recurrent readers already exist (``dnn.BagOfWordsDNN``, ``topologies.ManyToOne``);
this module adds the two readers that need care with padding: a bidirectional
RNN and attention, and ``count_parameters`` for the comparison's table.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from .attention import MultiheadAttention, SelfAttentionHead, sinusoidal_positional_encoding
from .padding import last_valid, lengths_from_padding, reverse_padded
from .rnn import RNN
from .transformer import TransformerBlock


class BiRNNClassifier(nn.Module):
    """양방향 RNN reader: the forward state after the last word next to the backward state after the first.

    The backward pass reads each sentence reversed within its own length
    (``padding.reverse_padded``), so it never reads padding first.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        hidden_size: int,
        num_classes: int,
        *,
        cell: Callable[..., nn.Module] = RNN,
        pad_index: int = 0,
    ):
        super().__init__()
        self.pad_index = pad_index
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=pad_index)
        self.forward_rnn = cell(embed_size, hidden_size, batch_first=True)
        self.backward_rnn = cell(embed_size, hidden_size, batch_first=True)
        self.out = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens: Tensor) -> Tensor:
        lengths = lengths_from_padding(tokens, self.pad_index)
        e = self.embed(tokens)  # (B, T, E)
        forward_states, _ = self.forward_rnn(e)
        backward_states, _ = self.backward_rnn(reverse_padded(e, lengths))
        both = torch.cat(
            [last_valid(forward_states, lengths), last_valid(backward_states, lengths)], dim=-1
        )
        return self.out(both)  # (B, C)


class AttentionClassifier(nn.Module):
    """Attention reader: embedding + sinusoidal positions -> encoder -> mean over real words -> classes.

    ``encoder`` is "head" (one ``SelfAttentionHead``), "multihead"
    (``MultiheadAttention`` with ``num_heads``) or "transformer" (one
    ``TransformerBlock``). Padding is masked as a key and left out of the mean.

    ``position_shift`` (an experiment on the positions a reader has seen): in training
    only, each sentence's positions start at a random offset in ``0..position_shift``
    instead of 0, so a training sentence of T words also shows the encodings of positions
    up to ``T - 1 + position_shift``; in evaluation (``model.eval()``) they start at 0.
    The offsets come from torch's global generator, which ``training.fit`` seeds.
    """

    ENCODERS = ("head", "multihead", "transformer")

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        num_classes: int,
        *,
        encoder: str = "multihead",
        num_heads: int = 4,
        max_len: int = 64,
        position_shift: int = 0,
        pad_index: int = 0,
    ):
        super().__init__()
        if encoder not in self.ENCODERS:
            raise ValueError(f"encoder must be one of {self.ENCODERS}, got {encoder!r}")
        if position_shift < 0:
            raise ValueError(f"position_shift must be >= 0, got {position_shift}")
        self.encoder_kind, self.pad_index = encoder, pad_index
        self.position_shift = position_shift
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=pad_index)
        self.register_buffer(
            "positions", sinusoidal_positional_encoding(max_len, embed_size), persistent=False
        )
        if encoder == "head":
            self.encoder = SelfAttentionHead(embed_size, embed_size)
        elif encoder == "multihead":
            self.encoder = MultiheadAttention(embed_size, num_heads, batch_first=True)
        else:
            self.encoder = TransformerBlock(embed_size, num_heads, dim_feedforward=2 * embed_size)
        self.out = nn.Linear(embed_size, num_classes)

    def forward(self, tokens: Tensor) -> Tensor:
        """Map tokens (B, T) to logits (B, C)."""
        if tokens.dim() != 2:
            raise ValueError(f"tokens must be (batch, time), got {tuple(tokens.shape)}")
        B, T = tokens.shape
        longest = self.positions.shape[0] - self.position_shift
        if T > longest:
            raise ValueError(f"tokens must be (batch, <= {longest}), got {tuple(tokens.shape)}")
        padding = tokens == self.pad_index  # (B, T), True = ignore
        start = torch.zeros(B, 1, dtype=torch.long)  # (B, 1): where each sentence's positions start
        if self.training and self.position_shift:
            start = torch.randint(self.position_shift + 1, (B, 1))
        positions = self.positions[start + torch.arange(T)]  # (B, T, E)
        x = self.embed(tokens) + positions.to(self.embed.weight.dtype)  # (B, T, E)
        if self.encoder_kind == "head":
            h = self.encoder(x, attn_mask=~padding[:, None, :])  # True = attend
        elif self.encoder_kind == "multihead":
            h, _ = self.encoder(x, x, x, key_padding_mask=padding, need_weights=False)
        else:
            h = self.encoder(x, key_padding_mask=padding)
        keep = (~padding).unsqueeze(-1).to(h.dtype)
        pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1)  # mean over real words
        return self.out(pooled)


class Count(int):
    """A whole number that prints with thousands separators in any format (a table's column)."""

    def __format__(self, spec: str) -> str:
        return f"{int(self):,}"


def count_parameters(model: nn.Module) -> Count:
    """The number of trainable numbers in ``model``, as a ``Count`` ("3,205" in ``seed_table``)."""
    return Count(sum(p.numel() for p in model.parameters() if p.requires_grad))
