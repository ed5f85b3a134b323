"""Exercises of notebook 10 (capstone): the pieces that turn attention into a Transformer block."""

from __future__ import annotations

import numpy as np
import torch

from .spec import Exercise, register


def _add_norm_inputs(rng: np.random.Generator):
    B, T, D = int(rng.integers(2, 5)), int(rng.integers(2, 6)), int(rng.integers(3, 9))
    return (
        torch.tensor(rng.normal(size=(B, T, D))),
        torch.tensor(rng.normal(size=(B, T, D))),
        torch.tensor(rng.normal(1.0, 0.3, D)),
        torch.tensor(rng.normal(0.0, 0.3, D)),
    )


def add_and_norm_reference(x, sublayer_out, weight, bias, eps=1e-5):
    """LayerNorm(x + sublayer_out) over the last dim (biased variance), then * weight + bias: (B, T, D)."""
    y = x + sublayer_out
    mean = y.mean(-1, keepdim=True)
    var = y.var(-1, unbiased=False, keepdim=True)
    return (y - mean) / torch.sqrt(var + eps) * weight + bias


def _masked_mean_inputs(rng: np.random.Generator):
    B, T, D = int(rng.integers(3, 6)), int(rng.integers(3, 7)), int(rng.integers(2, 6))
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0], lengths[1] = T, int(rng.integers(1, T))
    padding = torch.tensor(np.arange(T)[None, :] >= lengths[:, None])
    return torch.tensor(rng.normal(size=(B, T, D))), padding


def masked_mean_reference(h, padding):
    """Mean of h (B, T, D) over the positions where padding (B, T) is False: (B, D)."""
    keep = (~padding).unsqueeze(-1).to(h.dtype)
    return (h * keep).sum(1) / keep.sum(1)


register(
    Exercise(
        name="add_and_norm",
        points=2,
        reference=add_and_norm_reference,
        make_inputs=_add_norm_inputs,
        arg_names=("x", "sublayer_out", "weight", "bias"),
        mistakes=(
            (
                lambda x, s, w, b: (
                    (x + s - (x + s).mean(-1, keepdim=True))
                    / torch.sqrt((x + s).var(-1, keepdim=True) + 1e-5)
                    * w
                    + b
                ),
                "LayerNorm divides by the biased variance: use var(..., unbiased=False) (mean of squared deviations).",
            ),
            (
                lambda x, s, w, b: add_and_norm_reference(s, torch.zeros_like(s), w, b),
                "add the residual: normalise x + sublayer_out, not sublayer_out alone.",
            ),
            (
                lambda x, s, w, b: (
                    ((x + s) - (x + s).mean(1, keepdim=True))
                    / torch.sqrt((x + s).var(1, unbiased=False, keepdim=True) + 1e-5)
                    * w
                    + b
                ),
                "normalise over the features of each position (the last dim), not over time.",
            ),
        ),
    )
)

register(
    Exercise(
        name="masked_mean",
        points=2,
        reference=masked_mean_reference,
        make_inputs=_masked_mean_inputs,
        arg_names=("h", "padding"),
        mistakes=(
            (lambda h, p: h.mean(1), "leave the padding out: average only where padding is False."),
            (
                lambda h, p: (h * (~p).unsqueeze(-1)).sum(1) / h.shape[1],
                "divide by each sentence's number of real words, not by T.",
            ),
            (
                lambda h, p: (h * p.unsqueeze(-1)).sum(1) / p.sum(1, keepdim=True).clamp(min=1),
                "padding is True where a position is padding: keep the positions where it is False.",
            ),
        ),
    )
)
