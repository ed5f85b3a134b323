"""Exercises of notebook 10 (capstone).

Warm-ups: add & norm, the mean over real words. Main: the notebook's post-norm Transformer block
written from nn.TransformerEncoderLayer's parameters, on a padded batch.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .spec import Exercise, Hint, register

# What would do LayerNorm for the learner (group_norm with one group is LayerNorm too).
LAYER_NORM = (
    "torch.nn.functional.layer_norm",
    "torch.layer_norm",
    "torch.native_layer_norm",
    "torch.nn.LayerNorm",
    "torch.nn.functional.group_norm",
    "torch.group_norm",
    "torch.nn.GroupNorm",
)


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
        points=1,
        reference=add_and_norm_reference,
        make_inputs=_add_norm_inputs,
        arg_names=("x", "sublayer_out", "weight", "bias"),
        forbidden=LAYER_NORM,
        mistakes=(
            (
                lambda x, s, w, b: (
                    (x + s - (x + s).mean(-1, keepdim=True))
                    / torch.sqrt((x + s).var(-1, keepdim=True) + 1e-5)
                    * w
                    + b
                ),
                Hint(
                    "LayerNorm divides by the biased variance: use var(..., unbiased=False) (mean of squared deviations).",
                    "LayerNorm은 편향 분산으로 나눕니다: `var(..., unbiased=False)`(편차 제곱의 평균)를 쓰세요.",
                ),
            ),
            (
                lambda x, s, w, b: add_and_norm_reference(s, torch.zeros_like(s), w, b),
                Hint(
                    "add the residual: normalise x + sublayer_out, not sublayer_out alone.",
                    "잔차를 더하세요: `sublayer_out`만이 아니라 `x + sublayer_out`을 정규화해야 합니다.",
                ),
            ),
            (
                lambda x, s, w, b: (
                    ((x + s) - (x + s).mean(1, keepdim=True))
                    / torch.sqrt((x + s).var(1, unbiased=False, keepdim=True) + 1e-5)
                    * w
                    + b
                ),
                Hint(
                    "normalise over the features of each position (the last dim), not over time.",
                    "시간 축이 아니라 각 위치의 특징(마지막 차원)에 대해 정규화하세요.",
                ),
            ),
        ),
    )
)

register(
    Exercise(
        name="masked_mean",
        points=1,
        reference=masked_mean_reference,
        make_inputs=_masked_mean_inputs,
        arg_names=("h", "padding"),
        mistakes=(
            (
                lambda h, p: h.mean(1),
                Hint(
                    "leave the padding out: average only where padding is False.",
                    "패딩은 빼세요: `padding`이 False인 곳만 평균하세요.",
                ),
            ),
            (
                lambda h, p: (h * (~p).unsqueeze(-1)).sum(1) / h.shape[1],
                Hint(
                    "divide by each sentence's number of real words, not by T.",
                    "T가 아니라 각 문장의 실제 단어 수로 나누세요.",
                ),
            ),
            (
                lambda h, p: (h * p.unsqueeze(-1)).sum(1) / p.sum(1, keepdim=True).clamp(min=1),
                Hint(
                    "padding is True where a position is padding: keep the positions where it is False.",
                    "`padding`은 패딩인 위치에서 True입니다: False인 위치를 남기세요.",
                ),
            ),
        ),
    )
)


# The main exercise: the notebook's post-norm block, written from its weights, on a padded batch.


def _block_inputs(rng: np.random.Generator):
    """x (B, T, D) float64, the parameters of nn.TransformerEncoderLayer as ``state_dict()`` names
    them (feed-forward width F between D and 3D), num_heads, and key_padding_mask (B, T) bool, True
    at padding: the first sentence is whole, the others have 2 .. T words."""
    B, T = int(rng.integers(2, 4)), int(rng.integers(3, 8))
    num_heads, head_size = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    D = num_heads * head_size
    F_ = int(rng.integers(D, 3 * D + 1))

    def w(rows, cols):  # a linear layer's weight (rows, cols), outputs of size about 1
        return torch.tensor(rng.normal(0, 1.5 / math.sqrt(cols), (rows, cols)))

    def b(n, mean=0.0):
        return torch.tensor(rng.normal(mean, 0.3, n))

    params = {
        "self_attn.in_proj_weight": w(3 * D, D),
        "self_attn.in_proj_bias": b(3 * D),
        "self_attn.out_proj.weight": w(D, D),
        "self_attn.out_proj.bias": b(D),
        "linear1.weight": w(F_, D),
        "linear1.bias": b(F_),
        "linear2.weight": w(D, F_),
        "linear2.bias": b(D),
        "norm1.weight": b(D, 1.0),
        "norm1.bias": b(D),
        "norm2.weight": b(D, 1.0),
        "norm2.bias": b(D),
    }
    lengths = rng.integers(2, T + 1, size=B)
    lengths[0], lengths[1] = T, int(rng.integers(2, T))
    padding = torch.tensor(np.arange(T)[None, :] >= lengths[:, None])
    return torch.tensor(rng.normal(size=(B, T, D))), params, num_heads, padding


def _torch_layer(x, params, num_heads, key_padding_mask):
    """nn.TransformerEncoderLayer (post-norm, ReLU, eps 1e-5, no dropout) with ``params``: (B, T, D)."""
    D, F_ = x.shape[-1], params["linear1.weight"].shape[0]
    layer = nn.TransformerEncoderLayer(
        D, num_heads, dim_feedforward=F_, dropout=0.0, batch_first=True, dtype=x.dtype
    )
    layer.load_state_dict(params)  # training mode with dropout 0: torch's plain (not fast) path
    with torch.no_grad():
        return layer(x, src_key_padding_mask=key_padding_mask)


def _block_by_hand(
    x, params, num_heads, key_padding_mask, *,
    pre_norm=False, no_residual=False, ignore_mask=False, invert_mask=False,
    swap_norms=False, scale_by_D=False,
):  # fmt: skip
    """The block written out, with one known mistake switched on by a flag."""
    B, T, D = x.shape
    hs = D // num_heads
    p = params
    n1, n2 = ("norm2", "norm1") if swap_norms else ("norm1", "norm2")

    def norm(y, which):
        return add_and_norm_reference(
            y, torch.zeros_like(y), p[f"{which}.weight"], p[f"{which}.bias"]
        )

    def heads(t):  # (B, T, D) -> (B, nh, T, hs)
        return t.view(B, T, num_heads, hs).transpose(1, 2)

    def attention(h):
        q, k, v = (h @ p["self_attn.in_proj_weight"].T + p["self_attn.in_proj_bias"]).chunk(3, -1)
        scores = heads(q) @ heads(k).transpose(-2, -1) / math.sqrt(D if scale_by_D else hs)
        if not ignore_mask:
            ignore = ~key_padding_mask if invert_mask else key_padding_mask
            scores = scores.masked_fill(ignore[:, None, None, :], float("-inf"))
        joined = (torch.softmax(scores, -1) @ heads(v)).transpose(1, 2).reshape(B, T, D)
        return joined @ p["self_attn.out_proj.weight"].T + p["self_attn.out_proj.bias"]

    def feed_forward(h):
        hidden = torch.relu(h @ p["linear1.weight"].T + p["linear1.bias"])
        return hidden @ p["linear2.weight"].T + p["linear2.bias"]

    if pre_norm:
        x = x + attention(norm(x, n1))
        return x + feed_forward(norm(x, n2))
    keep = 0.0 if no_residual else 1.0
    x = norm(keep * x + attention(x), n1)
    return norm(keep * x + feed_forward(x), n2)


def transformer_block_reference(x, params, num_heads, key_padding_mask):
    """The post-norm block written out: (B, T, D). Written out, not torch's layer, because the
    reference must pass its own check, which refuses the layer; ``_agrees_with_torch`` ties the two."""
    return _block_by_hand(x, params, num_heads, key_padding_mask)


def _agrees_with_torch(seeds=range(1, 6)) -> None:
    """Raise if the reference and torch's layer part on the inputs of ``seeds`` (checked on import)."""
    for seed in seeds:
        args = _block_inputs(np.random.default_rng(seed))
        if not torch.allclose(
            transformer_block_reference(*args), _torch_layer(*args), rtol=1e-10, atol=1e-12
        ):
            raise AssertionError(
                f"transformer_block: the reference is not torch's layer (seed {seed})"
            )


_agrees_with_torch()


def _block_mistake(**flag):
    return lambda *args: _block_by_hand(*args, **flag)


register(
    Exercise(
        name="transformer_block",
        points=5,
        reference=transformer_block_reference,
        make_inputs=_block_inputs,
        arg_names=("x", "params", "num_heads", "key_padding_mask"),
        mistakes=(
            (
                _block_mistake(pre_norm=True),
                Hint(
                    "this block is post-norm, as in section 5: add the sublayer's output to its input, then "
                    "normalise, x = norm1(x + attention(x)); normalising first is the pre-norm variant.",
                    "이 블록은 5절처럼 post-norm입니다: 하위 층의 출력을 입력에 더한 뒤 정규화하세요, x = norm1(x + attention(x)). 먼저 정규화하는 것은 pre-norm 변형입니다.",
                ),
            ),
            (
                _block_mistake(no_residual=True),
                Hint(
                    "keep the residual connections: LayerNorm takes x + sublayer(x), not sublayer(x) alone, "
                    "after the attention and after the feed-forward.",
                    "잔차 연결을 유지하세요: 어텐션 뒤와 피드포워드 뒤 모두, LayerNorm은 sublayer(x)만이 아니라 x + sublayer(x)를 받습니다.",
                ),
            ),
            (
                _block_mistake(ignore_mask=True),
                Hint(
                    "the padded words must not be attended to: set the scores of the keys where "
                    "key_padding_mask is True to -inf before the softmax.",
                    "패딩된 단어에는 주목하면 안 됩니다: softmax 전에 `key_padding_mask`가 True인 키의 점수를 -inf로 두세요.",
                ),
            ),
            (
                _block_mistake(invert_mask=True),
                Hint(
                    "key_padding_mask is True where a key is padding, to be ignored (torch's convention): "
                    "mask the scores where it is True, not where it is False.",
                    "`key_padding_mask`는 무시할 패딩 키에서 True입니다(torch의 규약): False인 곳이 아니라 True인 곳의 점수를 가리세요.",
                ),
            ),
            (
                _block_mistake(swap_norms=True),
                Hint(
                    "norm1 follows the attention, norm2 the feed-forward: they have different weights.",
                    "`norm1`은 어텐션 뒤에, `norm2`는 피드포워드 뒤에 옵니다: 둘의 가중치는 서로 다릅니다.",
                ),
            ),
            (
                _block_mistake(scale_by_D=True),
                Hint(
                    "each of the num_heads heads divides its scores by the square root of its own width, "
                    "sqrt(D / num_heads), not sqrt(D).",
                    "`num_heads`개 헤드 각각은 점수를 sqrt(D)가 아니라 자기 너비의 제곱근 sqrt(D / num_heads)로 나눕니다.",
                ),
            ),
        ),
        forbidden=(
            "torch.nn.TransformerEncoderLayer",
            "torch.nn.TransformerEncoder",
            "torch.nn.TransformerDecoderLayer",
            "torch.nn.Transformer",
            "torch.nn.MultiheadAttention",
            "torch.nn.functional.multi_head_attention_forward",
            "torch.nn.functional.scaled_dot_product_attention",
            *LAYER_NORM,
        ),
    )
)
