"""Right-padded batches: pad, lengths, reverse each row's real part, pick each row's last real step.

Letters used in shapes: B batch, T time (the longest row; shorter rows end in ``pad_index``),
H features per step.

A batch of sentences of different lengths is one tensor (B, T) whose rows are right-padded,
with the lengths (B,) that say where each row's real part ends. A model that reads it must not
read the padding as words: a backward RNN reads each row reversed within its own length
(``reverse_padded``), a many-to-one model reads out each row's last real step (``last_valid``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def pad_batch(
    sequences: Sequence[Sequence[int]], pad_index: int = 0, length: int | None = None
) -> Tensor:
    """Right-pad B index lists into a LongTensor (B, T); ``length`` fixes T (longer input raises)."""
    longest = max(len(s) for s in sequences)
    T = longest if length is None else length
    if longest > T:
        raise ValueError(f"a sequence of length {longest} does not fit length={T}")
    out = torch.full((len(sequences), T), pad_index, dtype=torch.long)
    for b, s in enumerate(sequences):
        out[b, : len(s)] = torch.as_tensor(list(s), dtype=torch.long)
    return out


def lengths_of(sequences: Sequence[Sequence[int]]) -> Tensor:
    """Lengths of B index lists as a LongTensor (B,)."""
    return torch.tensor([len(s) for s in sequences], dtype=torch.long)


def lengths_from_padding(tokens: Tensor, pad_index: int = 0) -> Tensor:
    """Lengths (B,) of right-padded token rows (B, T): the count of non-<pad> tokens."""
    return (tokens != pad_index).sum(dim=1)


def reverse_padded(x: Tensor, lengths: Tensor) -> Tensor:
    """Reverse each sequence of a right-padded batch within its own length; pads stay at the end.

    x: (B, T, ...) ; lengths: (B,) with 1 <= length <= T. Flipping the whole row
    instead would put the pads FIRST, so a backward RNN would read padding
    before the sentence.
    """
    if x.dim() < 2 or lengths.shape != (x.shape[0],):
        raise ValueError(
            f"x must be (batch, time, ...) and lengths (batch,); got {tuple(x.shape)} and {tuple(lengths.shape)}"
        )
    T = x.shape[1]
    if lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths must lie in [1, {T}], got {lengths.tolist()}")
    t = torch.arange(T)
    index = torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)  # (B, T)
    index = index.view(*index.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(1, index)


def last_valid(outputs: Tensor, lengths: Tensor) -> Tensor:
    """Pick each sequence's output at its last VALID step: outputs (B, T, H), lengths (B,) -> (B, H).

    Row b gives ``outputs[b, lengths[b] - 1]``; the steps after it only read padding.
    """
    if outputs.dim() != 3:
        raise ValueError(f"outputs must be (batch, time, hidden), got {tuple(outputs.shape)}")
    B, T, _ = outputs.shape
    if lengths.shape != (B,):
        raise ValueError(f"lengths must be ({B},), got {tuple(lengths.shape)}")
    if B and (int(lengths.min()) < 1 or int(lengths.max()) > T):
        raise ValueError(f"lengths must lie in 1..{T}, got {lengths.tolist()}")
    return outputs[torch.arange(B), lengths - 1]
