"""Plain feed-forward networks on sentences: the lecture's "DNN으로 자연어?" question.

Two ways to feed a sentence (B sentences of T word indices, vocabulary size V)
to a DNN, and what each one loses:

* ``BagOfWordsDNN`` adds up one weight vector per word, ``Y = Σ_w count(w)·w_w``: the sum is the
  same in any order, so word order is invisible.
* ``FixedPositionDNN`` gives every slot t its own weight block, ``Y = Σ_t W_t·x_t``: this is the
  lecture's ``Y = 나는·w1 + 밥을·w2 + 먹었다·w3`` (w1 belongs to slot 1, not to the word 나는).
  It sees order, but only up to ``num_positions`` words, and what it learns at slot 1 is not
  known at slot 3.

Both then apply ReLU and a linear output layer: ``logits = W_out relu(Y + b) + b_out``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _check_indices(x: torch.Tensor, vocab_size: int, name: str) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.dtype != torch.long:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        dtype = getattr(x, "dtype", None)
        raise ValueError(f"{name}: x must be a LongTensor (batch, time), got {shape} {dtype}")
    if x.numel() and (x.min() < 0 or x.max() >= vocab_size):
        raise ValueError(
            f"{name}: word indices must lie in [0, {vocab_size}), got {int(x.min())}..{int(x.max())}"
        )


def bag_of_words(
    x: torch.Tensor, vocab_size: int, pad_index: int = 0, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """Count each word of every sentence: x (B, T) LongTensor -> counts (B, V) float; pads not counted."""
    _check_indices(x, vocab_size, "bag_of_words")
    counts = torch.zeros(x.shape[0], vocab_size, dtype=dtype or torch.get_default_dtype())
    counts.scatter_add_(1, x, torch.ones_like(x, dtype=counts.dtype))
    counts[:, pad_index] = 0
    return counts


def position_one_hot(
    x: torch.Tensor, vocab_size: int, pad_index: int = 0, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """One-hot per slot, slots side by side: x (B, T) -> (B, T*V); slot t fills columns t*V..(t+1)*V-1.

    A pad slot is all zeros.
    """
    _check_indices(x, vocab_size, "position_one_hot")
    one_hot = F.one_hot(x, vocab_size).to(dtype or torch.get_default_dtype())  # (B, T, V)
    one_hot[..., pad_index] = 0
    return one_hot.flatten(1)


class BagOfWordsDNN(nn.Module):
    """Word counts -> hidden layer -> class scores: x (B, T) -> logits (B, C). Blind to order."""

    def __init__(self, vocab_size: int, hidden_size: int, num_classes: int, pad_index: int = 0):
        super().__init__()
        self.vocab_size, self.pad_index = vocab_size, pad_index
        self.hidden = nn.Linear(vocab_size, hidden_size)
        self.out = nn.Linear(hidden_size, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        counts = bag_of_words(
            x, self.vocab_size, self.pad_index, self.hidden.weight.dtype
        )  # (B, V)
        return self.out(torch.relu(self.hidden(counts)))


class FixedPositionDNN(nn.Module):
    """One weight block per slot: x (B, T <= num_positions) -> logits (B, C).

    Shorter sentences are padded to ``num_positions``; a longer one cannot be
    taken at all and raises ``ValueError``.
    """

    def __init__(
        self,
        vocab_size: int,
        num_positions: int,
        hidden_size: int,
        num_classes: int,
        pad_index: int = 0,
    ):
        super().__init__()
        self.vocab_size, self.num_positions, self.pad_index = vocab_size, num_positions, pad_index
        self.hidden = nn.Linear(num_positions * vocab_size, hidden_size)
        self.out = nn.Linear(hidden_size, num_classes)

    def slot_weights(self) -> torch.Tensor:
        """The first layer's weights cut per slot: (num_positions, hidden, V)."""
        W = self.hidden.weight.detach()  # (hidden, P*V)
        return W.view(W.shape[0], self.num_positions, self.vocab_size).transpose(0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_indices(x, self.vocab_size, "FixedPositionDNN")
        T = x.shape[1]
        if T > self.num_positions:
            raise ValueError(
                f"FixedPositionDNN has weights for {self.num_positions} word slots; "
                f"got a sentence of {T} words: x must be (batch, <= {self.num_positions})"
            )
        x = F.pad(x, (0, self.num_positions - T), value=self.pad_index)  # (B, P)
        features = position_one_hot(
            x, self.vocab_size, self.pad_index, self.hidden.weight.dtype
        )  # (B, P*V)
        return self.out(torch.relu(self.hidden(features)))
