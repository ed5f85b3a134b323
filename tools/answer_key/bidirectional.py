"""Exercises of notebook 03 (bidirectional RNN): reversing a padded batch, merging directions."""

from __future__ import annotations

import numpy as np
import torch

from course_lib.data import reverse_padded

from .spec import Exercise, register


def _padded_batch(rng: np.random.Generator):
    """x (B, T, F) float64 right-padded with zeros, lengths (B,) with at least one short row."""
    B, T, F = int(rng.integers(3, 6)), int(rng.integers(4, 9)), int(rng.integers(1, 4))
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0], lengths[1] = T, int(rng.integers(1, T))
    x = torch.tensor(rng.normal(size=(B, T, F)))
    x[torch.arange(T)[None, :] >= torch.tensor(lengths)[:, None]] = 0.0
    return x, torch.tensor(lengths)


def _merge_inputs(rng: np.random.Generator):
    B, T, H = int(rng.integers(2, 5)), int(rng.integers(3, 7)), int(rng.integers(2, 5))
    return torch.tensor(rng.normal(size=(B, T, H))), torch.tensor(rng.normal(size=(B, T, H)))


def merge_directions_reference(forward_out, backward_out_reversed):
    """Bidirectional output (B, T, 2H): forward h_t next to the backward pass's h_t for the same t."""
    return torch.cat([forward_out, backward_out_reversed.flip(1)], dim=2)


register(
    Exercise(
        name="reverse_padded",
        points=2,
        reference=reverse_padded,
        make_inputs=_padded_batch,
        arg_names=("x", "lengths"),
        mistakes=(
            (
                lambda x, lengths: x.flip(1),
                "reverse each row only within its length: flipping the whole row puts the padding first.",
            ),
            (
                lambda x, lengths: x.flip(0),
                "reverse along time (dim 1), not along the batch (dim 0).",
            ),
        ),
    )
)

register(
    Exercise(
        name="merge_directions",
        points=2,
        reference=merge_directions_reference,
        make_inputs=_merge_inputs,
        arg_names=("forward_out", "backward_out_reversed"),
        mistakes=(
            (
                lambda f, b: torch.cat([f, b], dim=2),
                "the backward pass ran over the reversed sentence: flip its outputs back in time before joining them.",
            ),
            (
                lambda f, b: torch.cat([b.flip(1), f], dim=2),
                "torch puts the forward direction first: cat([forward, backward], dim=2).",
            ),
        ),
    )
)
