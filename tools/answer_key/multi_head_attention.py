"""Exercises of notebook 09 (multi-head attention): splitting into heads, combining the heads' outputs."""

from __future__ import annotations

import numpy as np
import torch

from course_lib.attention import merge_heads, split_heads

from .spec import Exercise, register


def _split_inputs(rng: np.random.Generator):
    """x (B, T, D) float64 with D = nh * hs, nh >= 2, hs >= 2, T >= 2 and T != nh (so a missing
    transpose shows as a wrong shape or wrong values on every trial)."""
    B, T = int(rng.integers(1, 4)), int(rng.integers(2, 7))
    num_heads = int(rng.integers(2, 5))
    if T == num_heads:
        T += 1
    head_size = int(rng.integers(2, 5))
    x = torch.tensor(rng.normal(size=(B, T, num_heads * head_size)))
    return x, num_heads


def split_into_heads_reference(x, num_heads):
    """(B, T, D) -> (B, nh, T, hs): head h gets features h*hs .. (h+1)*hs - 1 of every step."""
    return split_heads(x, num_heads)


def _no_transpose(x, num_heads):
    B, T, D = x.shape
    return x.reshape(B, num_heads, T, D // num_heads)


def _interleaved(x, num_heads):
    B, T, D = x.shape
    return x.reshape(B, T, D // num_heads, num_heads).permute(0, 3, 1, 2)


def _heads_last(x, num_heads):
    B, T, D = x.shape
    return x.reshape(B, T, num_heads, D // num_heads)


register(
    Exercise(
        name="split_into_heads",
        points=2,
        reference=split_into_heads_reference,
        make_inputs=_split_inputs,
        arg_names=("x", "num_heads"),
        mistakes=(
            (
                _no_transpose,
                "reshaping (B, T, D) straight to (B, nh, T, hs) mixes time steps into heads: first view it "
                "as (B, T, nh, hs), then swap the time and head axes with .transpose(1, 2).",
            ),
            (
                _interleaved,
                "head h takes a contiguous block of features, h*hs to (h+1)*hs - 1: view as (B, T, nh, hs), "
                "not (B, T, hs, nh).",
            ),
            (
                _heads_last,
                "that is (B, T, nh, hs); the heads axis comes before time: (B, nh, T, hs). Use .transpose(1, 2).",
            ),
        ),
    )
)


def _combine_inputs(rng: np.random.Generator):
    """heads (B, nh, T, hs) float64, W_o (D, D), b_o (D,) with nh >= 2 and T >= 2."""
    x, num_heads = _split_inputs(rng)
    D = x.shape[-1]
    heads = split_heads(x, num_heads).contiguous()
    W_o = torch.tensor(rng.normal(0, 0.5, (D, D)))
    b_o = torch.tensor(rng.normal(0, 0.5, D))
    return heads, W_o, b_o


def combine_heads_reference(heads, W_o, b_o):
    """Concatenate the heads at every step, (B, T, nh*hs), then out_proj: (B, T, D)."""
    return merge_heads(heads) @ W_o.T + b_o


def _combine_no_transpose(heads, W_o, b_o):
    B, nh, T, hs = heads.shape
    return heads.reshape(B, T, nh * hs) @ W_o.T + b_o


def _combine_w_not_transposed(heads, W_o, b_o):
    return merge_heads(heads) @ W_o + b_o


def _combine_no_bias(heads, W_o, b_o):
    return merge_heads(heads) @ W_o.T


def _combine_no_projection(heads, W_o, b_o):
    return merge_heads(heads)


register(
    Exercise(
        name="combine_heads",
        points=2,
        reference=combine_heads_reference,
        make_inputs=_combine_inputs,
        arg_names=("heads", "W_o", "b_o"),
        mistakes=(
            (
                _combine_no_transpose,
                "reshaping (B, nh, T, hs) straight to (B, T, D) mixes the time steps: move the heads next to "
                "the features first, heads.transpose(1, 2), then reshape.",
            ),
            (
                _combine_w_not_transposed,
                "out_proj is a linear layer with weight W_o (D_out, D_in): multiply by W_o.T, as F.linear does.",
            ),
            (_combine_no_bias, "do not forget out_proj's bias b_o."),
            (
                _combine_no_projection,
                "after joining the heads, mix them with out_proj: y = concat @ W_o.T + b_o.",
            ),
        ),
    )
)
