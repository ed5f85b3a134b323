"""Exercises of notebook 09 (multi-head attention).

Warm-ups: splitting into heads, combining the heads' outputs. Main: nn.MultiheadAttention's whole
forward (query, key and value apart, a key padding mask) from the parameters it keeps.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from course_lib.attention import merge_heads, split_heads

from .spec import Exercise, Hint, register


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
        points=1,
        reference=split_into_heads_reference,
        make_inputs=_split_inputs,
        arg_names=("x", "num_heads"),
        mistakes=(
            (
                _no_transpose,
                Hint(
                    "reshaping (B, T, D) straight to (B, nh, T, hs) mixes time steps into heads: first view it "
                    "as (B, T, nh, hs), then swap the time and head axes with .transpose(1, 2).",
                    "(B, T, D)를 곧바로 (B, nh, T, hs)로 reshape하면 시점이 헤드에 섞입니다: 먼저 (B, T, nh, hs)로 view한 뒤 `.transpose(1, 2)`로 시간 축과 헤드 축을 바꾸세요.",
                ),
            ),
            (
                _interleaved,
                Hint(
                    "head h takes a contiguous block of features, h*hs to (h+1)*hs - 1: view as (B, T, nh, hs), "
                    "not (B, T, hs, nh).",
                    "헤드 h는 연속된 특징 블록 h*hs부터 (h+1)*hs - 1까지를 가져갑니다: (B, T, hs, nh)가 아니라 (B, T, nh, hs)로 view하세요.",
                ),
            ),
            (
                _heads_last,
                Hint(
                    "that is (B, T, nh, hs); the heads axis comes before time: (B, nh, T, hs). Use .transpose(1, 2).",
                    "이것은 (B, T, nh, hs)입니다: 헤드 축이 시간 축보다 앞에 와야 하므로 (B, nh, T, hs)입니다. `.transpose(1, 2)`를 쓰세요.",
                ),
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
        points=1,
        reference=combine_heads_reference,
        make_inputs=_combine_inputs,
        arg_names=("heads", "W_o", "b_o"),
        mistakes=(
            (
                _combine_no_transpose,
                Hint(
                    "reshaping (B, nh, T, hs) straight to (B, T, D) mixes the time steps: move the heads next to "
                    "the features first, heads.transpose(1, 2), then reshape.",
                    "(B, nh, T, hs)를 곧바로 (B, T, D)로 reshape하면 시점이 섞입니다: 먼저 `heads.transpose(1, 2)`로 헤드 축을 특징 옆으로 옮긴 뒤 reshape하세요.",
                ),
            ),
            (
                _combine_w_not_transposed,
                Hint(
                    "out_proj is a linear layer with weight W_o (D_out, D_in): multiply by W_o.T, as F.linear does.",
                    "`out_proj`는 가중치 W_o (D_out, D_in)를 가진 선형 층입니다: `F.linear`처럼 `W_o.T`를 곱하세요.",
                ),
            ),
            (
                _combine_no_bias,
                Hint(
                    "do not forget out_proj's bias b_o.",
                    "`out_proj`의 편향 `b_o`를 빠뜨리지 마세요.",
                ),
            ),
            (
                _combine_no_projection,
                Hint(
                    "after joining the heads, mix them with out_proj: y = concat @ W_o.T + b_o.",
                    "헤드를 이어 붙인 뒤 `out_proj`로 섞으세요: y = concat @ W_o.T + b_o.",
                ),
            ),
        ),
    )
)


# The main exercise: nn.MultiheadAttention's whole forward from its parameters, cross-attention with padding.


def _mha_inputs(rng: np.random.Generator):
    """query (B, Tq, D), key and value (B, Tk, D) float64 (three different tensors), the module's
    parameters as ``state_dict()`` names them, num_heads, and key_padding_mask (B, Tk) bool, True at
    padding: every row has at least one real key and at least one padded one, the first row two
    real keys or more."""
    B, Tq, Tk = int(rng.integers(1, 4)), int(rng.integers(2, 7)), int(rng.integers(3, 8))
    num_heads, head_size = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    D = num_heads * head_size
    scale = 1 / math.sqrt(D)
    params = {
        "in_proj_weight": torch.tensor(rng.normal(0, 2 * scale, (3 * D, D))),
        "in_proj_bias": torch.tensor(rng.normal(0, 0.3, 3 * D)),
        "out_proj.weight": torch.tensor(rng.normal(0, 2 * scale, (D, D))),
        "out_proj.bias": torch.tensor(rng.normal(0, 0.3, D)),
    }
    lengths = rng.integers(1, Tk, size=B)  # 1 .. Tk - 1 real keys per row
    lengths[0] = Tk - 1  # at least two real keys, else the weights are 1 whatever the scores
    padding = torch.tensor(np.arange(Tk)[None, :] >= lengths[:, None])
    query, key, value = (torch.tensor(rng.normal(size=(B, T, D))) for T in (Tq, Tk, Tk))
    return query, key, value, params, num_heads, padding


def _torch_module(query, key, value, params, num_heads, key_padding_mask):
    """nn.MultiheadAttention (batch_first) with ``params`` loaded: (output (B, Tq, D), weights
    averaged over the heads (B, Tq, Tk))."""
    D = query.shape[-1]
    module = nn.MultiheadAttention(D, num_heads, batch_first=True, dtype=query.dtype)
    module.load_state_dict(params)  # training mode with dropout 0: torch's plain (not fast) path
    with torch.no_grad():
        return module(query, key, value, key_padding_mask=key_padding_mask)


def _by_hand(
    query, key, value, params, num_heads, key_padding_mask, *,
    scale_by_D=False, invert_mask=False, ignore_mask=False, value_from_key=False,
    sum_heads=False, no_out_proj=False,
):  # fmt: skip
    """The forward written out, with one known mistake switched on by a flag."""
    B, Tq, D = query.shape
    hs = D // num_heads
    W_q, W_k, W_v = params["in_proj_weight"].chunk(3)
    b_q, b_k, b_v = params["in_proj_bias"].chunk(3)

    def heads(t):  # (B, T, D) -> (B, nh, T, hs)
        return t.view(B, -1, num_heads, hs).transpose(1, 2)

    q = heads(query @ W_q.T + b_q)
    k = heads(key @ W_k.T + b_k)
    v = heads((key if value_from_key else value) @ W_v.T + b_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(D if scale_by_D else hs)  # (B, nh, Tq, Tk)
    if not ignore_mask:
        ignore = ~key_padding_mask if invert_mask else key_padding_mask
        scores = scores.masked_fill(ignore[:, None, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    joined = (weights @ v).transpose(1, 2).reshape(B, Tq, D)
    out = joined if no_out_proj else joined @ params["out_proj.weight"].T + params["out_proj.bias"]
    return out, weights.sum(1) if sum_heads else weights.mean(1)


def multi_head_attention_reference(query, key, value, params, num_heads, key_padding_mask):
    """nn.MultiheadAttention's forward (batch_first) written out: (output (B, Tq, D), weights
    averaged over the heads (B, Tq, Tk)). Written out, not torch's module, because the reference
    must pass its own check, which refuses the module; ``_agrees_with_torch`` ties the two."""
    return _by_hand(query, key, value, params, num_heads, key_padding_mask)


def _agrees_with_torch(seeds=range(1, 6)) -> None:
    """Raise if the reference and torch's module part on the inputs of ``seeds`` (checked on import)."""
    for seed in seeds:
        args = _mha_inputs(np.random.default_rng(seed))
        ours, theirs = multi_head_attention_reference(*args), _torch_module(*args)
        for a, b in zip(ours, theirs, strict=True):
            if not torch.allclose(a, b, rtol=1e-10, atol=1e-12):
                raise AssertionError(
                    f"multi_head_attention: the reference is not torch's module (seed {seed})"
                )


_agrees_with_torch()


def _mistake(**flag):
    return lambda *args: _by_hand(*args, **flag)


register(
    Exercise(
        name="multi_head_attention",
        points=5,
        reference=multi_head_attention_reference,
        make_inputs=_mha_inputs,
        arg_names=("query", "key", "value", "params", "num_heads", "key_padding_mask"),
        mistakes=(
            (
                _mistake(scale_by_D=True),
                Hint(
                    "each head divides its scores by the square root of its own width, sqrt(D / num_heads), "
                    "not sqrt(D).",
                    "각 헤드는 점수를 sqrt(D)가 아니라 자기 너비의 제곱근 sqrt(D / num_heads)로 나눕니다.",
                ),
            ),
            (
                _mistake(invert_mask=True),
                Hint(
                    "in nn.MultiheadAttention's convention key_padding_mask is True where a key must be "
                    "ignored: set the scores to -inf where it is True (SDPA's boolean mask means the opposite).",
                    "`nn.MultiheadAttention`의 규약에서 `key_padding_mask`는 무시할 키에서 True입니다: True인 곳의 점수를 -inf로 두세요(SDPA의 불리언 마스크는 반대 뜻입니다).",
                ),
            ),
            (
                _mistake(ignore_mask=True),
                Hint(
                    "leave out the padded keys: before the softmax, set their scores to -inf; the mask is "
                    "(B, Tk), so view it as (B, 1, 1, Tk) to reach every head and every query.",
                    "패딩된 키를 빼세요: softmax 전에 그 점수를 -inf로 두세요. 마스크는 (B, Tk)이므로 (B, 1, 1, Tk)로 view해야 모든 헤드와 모든 쿼리에 닿습니다.",
                ),
            ),
            (
                _mistake(value_from_key=True),
                Hint(
                    "project the values from `value`, not from `key`: in self-attention they are the same "
                    "tensor, here they are not.",
                    "값은 `key`가 아니라 `value`에서 투영하세요: 셀프 어텐션에서는 둘이 같은 텐서지만 여기서는 다릅니다.",
                ),
            ),
            (
                _mistake(sum_heads=True),
                Hint(
                    "nn.MultiheadAttention returns the weights averaged over the heads: take the mean over "
                    "the heads axis, not the sum.",
                    "`nn.MultiheadAttention`은 헤드에 대해 평균한 가중치를 반환합니다: 헤드 축에서 합이 아니라 평균을 취하세요.",
                ),
            ),
            (
                _mistake(no_out_proj=True),
                Hint(
                    "after joining the heads, mix them with out_proj: y = joined @ W_o.T + b_o.",
                    "헤드를 이어 붙인 뒤 `out_proj`로 섞으세요: y = joined @ W_o.T + b_o.",
                ),
            ),
        ),
        forbidden=(
            "torch.nn.MultiheadAttention",
            "torch.nn.functional.multi_head_attention_forward",
            "torch.nn.functional.scaled_dot_product_attention",
        ),
    )
)
