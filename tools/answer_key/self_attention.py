"""Exercises of notebook 08 (self-attention): the masked attention weighting, the sinusoidal encoding,
and the main one, the shift p_t -> p_(t+k) as one matrix (so p_t · p_(t+k) depends on k only)."""

from __future__ import annotations

import math

import numpy as np
import torch

from .spec import Exercise, Hint, register


def _weighting_inputs(rng: np.random.Generator):
    """q (B, L, E), k (B, S, E) float64 and a mask (L, S), True = may attend.

    Every trial has a fully masked query row (the uniform-weights and NaN bugs show), a partly
    masked row (masking after the softmax shows) and E >= 2 (a wrong scale shows).
    """
    B, L, S, E = (int(rng.integers(lo, hi)) for lo, hi in ((1, 4), (3, 7), (3, 7), (2, 9)))
    q = torch.tensor(rng.normal(size=(B, L, E)))
    k = torch.tensor(rng.normal(size=(B, S, E)))
    mask = rng.random((L, S)) < 0.6
    mask[:, 0] = True
    mask[0, 1:] = False  # a partly masked row: only key 0 is allowed
    mask[1, 1] = True
    mask[int(rng.integers(2, L))] = False  # a query with no key left
    return q, k, torch.tensor(mask)


def _scores(q, k):
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])


def attention_weighting_reference(q, k, mask):
    """softmax(q kᵀ / √E) over the keys with masked pairs at 0 and fully masked rows all 0: (B, L, S).

    The same weights as ``course_lib.attention.scaled_dot_product_attention(..., return_weights=True)``,
    written out here because a reference may not call the course's code (the call watch refuses it).
    """
    scores = _scores(q, k).masked_fill(~mask, float("-inf"))
    dead = ~mask.any(dim=-1, keepdim=True)  # queries with no key left
    return torch.softmax(scores.masked_fill(dead, 0.0), dim=-1).masked_fill(dead, 0.0)


def _finite_fill(q, k, mask):
    return torch.softmax(_scores(q, k).masked_fill(~mask, -1e9), dim=-1)


def _plain_softmax(q, k, mask):
    return torch.softmax(_scores(q, k).masked_fill(~mask, float("-inf")), dim=-1)


def _after_softmax(q, k, mask):
    return torch.softmax(_scores(q, k), dim=-1) * mask


def _inverted(q, k, mask):
    return attention_weighting_reference(q, k, ~mask)


def _unscaled(q, k, mask):
    return attention_weighting_reference(q * math.sqrt(q.shape[-1]), k, mask)


def _scaled_by_e(q, k, mask):
    return attention_weighting_reference(q / math.sqrt(q.shape[-1]), k, mask)


def _over_queries(q, k, mask):
    scores = _scores(q, k).masked_fill(~mask, float("-inf"))
    dead = ~mask.any(dim=-1, keepdim=True)
    return torch.softmax(scores.masked_fill(dead, 0.0), dim=-2).masked_fill(dead, 0.0)


register(
    Exercise(
        name="attention_weighting",
        points=3,
        reference=attention_weighting_reference,
        make_inputs=_weighting_inputs,
        arg_names=("q", "k", "mask"),
        mistakes=(
            (
                _finite_fill,
                Hint(
                    "a query whose every key is masked must get a row of zeros, not uniform weights: with a finite "
                    "fill such as -1e9 all its scores are equal, so the softmax spreads the weight evenly over keys "
                    "it may not see. Fill with -inf and set such rows to 0.",
                    "모든 키가 마스킹된 쿼리는 균등한 가중치가 아니라 0으로 된 행을 받아야 합니다: -1e9 같은 유한한 값으로 채우면 점수가 모두 같아져서, softmax가 볼 수 없는 키들에 가중치를 고르게 나눠 줍니다. -inf로 채우고 그런 행은 0으로 두세요.",
                ),
            ),
            (
                _plain_softmax,
                Hint(
                    "the softmax of a row that is all -inf is 0/0 = NaN: find the queries with no allowed key "
                    "(~mask.any(dim=-1)) and return zeros for them.",
                    "모두 -inf인 행의 softmax는 0/0 = NaN입니다: 허용된 키가 하나도 없는 쿼리(`~mask.any(dim=-1)`)를 찾아 그 행은 0을 반환하세요.",
                ),
            ),
            (
                _after_softmax,
                Hint(
                    "mask the scores BEFORE the softmax (masked_fill with -inf); multiplying the weights by the mask "
                    "afterwards leaves rows that no longer sum to 1.",
                    "softmax 전에 점수를 마스킹하세요(`masked_fill`로 -inf를 채움): 나중에 가중치에 마스크를 곱하면 행의 합이 더는 1이 아닙니다.",
                ),
            ),
            (
                _inverted,
                Hint(
                    "True in the mask means 'may attend' (torch's SDPA convention), so mask out where it is False: "
                    "use ~mask.",
                    "마스크의 True는 '주목해도 된다'는 뜻입니다(torch SDPA의 규약): False인 곳을 가리도록 `~mask`를 쓰세요.",
                ),
            ),
            (
                _unscaled,
                Hint(
                    "divide the scores q kᵀ by the scaling √E, E = q.shape[-1].",
                    "점수 q kᵀ를 스케일 √E로 나누세요. E = `q.shape[-1]`입니다.",
                ),
            ),
            (
                _scaled_by_e,
                Hint(
                    "the scaling is √E, not E: divide by math.sqrt(q.shape[-1]).",
                    "스케일은 E가 아니라 √E입니다: `math.sqrt(q.shape[-1])`로 나누세요.",
                ),
            ),
            (
                _over_queries,
                Hint(
                    "take the softmax over the keys (dim=-1): each query's weights must sum to 1.",
                    "softmax는 키 축(`dim=-1`)에 대해 취하세요: 쿼리마다 가중치의 합이 1이어야 합니다.",
                ),
            ),
        ),
        # torch's multi-head attention returns these weights when given identity projections.
        forbidden=(
            "torch.nn.functional.multi_head_attention_forward",
            "torch.nn.MultiheadAttention",
        ),
    )
)


def _encoding_inputs(rng: np.random.Generator):
    """positions (T,) integers with a 0 and a larger position; an even d_model >= 4."""
    T = int(rng.integers(3, 9))
    positions = rng.integers(0, 60, size=T)
    positions[0], positions[1] = 0, int(rng.integers(1, 60))
    d_model = 2 * int(rng.integers(2, 9))
    return positions, d_model


def sinusoidal_encoding_reference(positions, d_model, base=10000.0):
    """PE[t, 2i] = sin(p_t / base^(2i/D)), PE[t, 2i+1] = cos(p_t / base^(2i/D)): (T, D) float64."""
    two_i = np.arange(0, d_model, 2)
    angle = np.asarray(positions, dtype=np.float64)[:, None] / base ** (two_i / d_model)
    pe = np.zeros((len(positions), d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


def _swapped(positions, d_model):
    pe = sinusoidal_encoding_reference(positions, d_model)
    return pe[:, [j + 1 if j % 2 == 0 else j - 1 for j in range(d_model)]]


def _column_exponent(positions, d_model):
    angle = np.asarray(positions, dtype=np.float64)[:, None] / 10000.0 ** (
        np.arange(d_model) / d_model
    )
    pe = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, 1::2])
    return pe


def _pair_exponent(positions, d_model):
    i = np.arange(d_model // 2)
    angle = np.asarray(positions, dtype=np.float64)[:, None] / 10000.0 ** (i / d_model)
    pe = np.zeros((len(positions), d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


def _halves(positions, d_model):
    pe = sinusoidal_encoding_reference(positions, d_model)
    return np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)


def _multiplied(positions, d_model):
    two_i = np.arange(0, d_model, 2)
    angle = np.asarray(positions, dtype=np.float64)[:, None] * 10000.0 ** (two_i / d_model)
    pe = np.zeros((len(positions), d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


register(
    Exercise(
        name="sinusoidal_encoding",
        points=2,
        reference=sinusoidal_encoding_reference,
        make_inputs=_encoding_inputs,
        arg_names=("positions", "d_model"),
        mistakes=(
            (
                _swapped,
                Hint(
                    "even columns (2i) are sines and odd columns (2i+1) cosines, not the other way.",
                    "짝수 열(2i)이 사인, 홀수 열(2i+1)이 코사인입니다. 반대가 아닙니다.",
                ),
            ),
            (
                _column_exponent,
                Hint(
                    "columns 2i and 2i+1 share one frequency, 1 / 10000^(2i/d_model): use the even index 2i for "
                    "both, not the column's own index.",
                    "열 2i와 2i+1은 주파수 1 / 10000^(2i/d_model) 하나를 함께 씁니다: 두 열 모두 자기 열 인덱스가 아니라 짝수 인덱스 2i를 쓰세요.",
                ),
            ),
            (
                _pair_exponent,
                Hint(
                    "the exponent is 2i/d_model with 2i the even column index (0, 2, 4, ...), not i/d_model.",
                    "지수는 i/d_model이 아니라 2i/d_model이며, 2i는 짝수 열 인덱스(0, 2, 4, ...)입니다.",
                ),
            ),
            (
                _halves,
                Hint(
                    "interleave the columns (sin, cos, sin, cos, ...): put the sines in columns 0::2 and the "
                    "cosines in 1::2 rather than the sines first and the cosines after.",
                    "열을 번갈아 놓으세요(sin, cos, sin, cos, ...): 사인을 앞에, 코사인을 뒤에 몰아 두지 말고 사인은 열 `0::2`에, 코사인은 `1::2`에 넣으세요.",
                ),
            ),
            (
                _multiplied,
                Hint(
                    "divide the position by 10000^(2i/d_model); multiplying makes the later columns spin faster "
                    "instead of slower.",
                    "위치를 10000^(2i/d_model)로 나누세요: 곱하면 뒤쪽 열이 느려지는 대신 더 빨리 돕니다.",
                ),
            ),
        ),
    )
)


# --- Main exercise: the shift p_t -> p_(t+k) is one matrix, whatever t ------------------------------


def _shift_inputs(rng: np.random.Generator):
    """An even d_model in 4..16 and offsets (K,), K in 2..3, nonzero integers in -60..60."""
    d_model = 2 * int(rng.integers(2, 9))
    K = int(rng.integers(2, 4))
    offsets = rng.integers(1, 61, size=K) * rng.choice([-1, 1], size=K)
    return d_model, offsets


def _frequencies(d_model, exponent="2i"):
    """ω_i = 1 / 10000^(2i/d_model) for i = 0..d_model/2 - 1 (or a mistaken variant)."""
    i = np.arange(d_model // 2)
    if exponent == "i":
        return 1.0 / 10000.0 ** (i / d_model)
    if exponent == "times":
        return 10000.0 ** (2 * i / d_model)
    return 1.0 / 10000.0 ** (2 * i / d_model)


def _one_shift(d_model, k, exponent, variant):
    angle = k * _frequencies(d_model, exponent)
    cos, sin = np.cos(angle), np.sin(angle)
    if variant == "backwards":
        sin = -sin
    if variant == "no_cross":
        sin = np.zeros_like(sin)
    M = np.zeros((d_model, d_model))
    even, odd = np.arange(0, d_model, 2), np.arange(1, d_model, 2)
    M[even, even], M[even, odd] = cos, sin  # sin(a + b) = sin a cos b + cos a sin b
    M[odd, even], M[odd, odd] = -sin, cos  # cos(a + b) = cos a cos b - sin a sin b
    if variant == "halves":
        order = np.concatenate([even, odd])
        M = M[np.ix_(order, order)]
    dot = np.trace(M) if variant == "trace" else np.sum(cos)
    return M, dot


def _relative_shift(d_model, offsets, exponent="2i", variant=""):
    """The reference, or a variant with a known mistake (for the hints)."""
    shifts = [_one_shift(d_model, int(k), exponent, variant) for k in offsets]
    return np.stack([M for M, _ in shifts]), np.array([dot for _, dot in shifts])


def relative_shift_reference(d_model, offsets):
    """(M, dot) for offsets (K,): M (K, d_model, d_model) float64, dot (K,) float64.

    M[j] is the matrix with p_(t+k) = M[j] p_t for every t, k = offsets[j]: block diagonal, one 2×2
    rotation by k·ω_i per column pair (2i, 2i+1), ω_i = 10000^(-2i/d_model). dot[j] = p_t · p_(t+k)
    = Σ_i cos(k·ω_i), which depends on k and d_model only.
    """
    return _relative_shift(d_model, offsets)


register(
    Exercise(
        name="relative_shift",
        points=4,
        reference=relative_shift_reference,
        make_inputs=_shift_inputs,
        arg_names=("d_model", "offsets"),
        mistakes=(
            (
                lambda d, ks: _relative_shift(d, ks, variant="backwards"),
                Hint(
                    "your M moves back by k (it is M for -k): sin(a + b) = sin a cos b + cos a sin b, so the new "
                    "sine takes +sin(k·ω) times the old cosine, and the new cosine takes -sin(k·ω) times the old sine.",
                    "이 M은 k만큼 뒤로 옮깁니다(-k의 M입니다): sin(a + b) = sin a cos b + cos a sin b이므로, 새 사인은 이전 코사인에 +sin(k·ω)를 곱한 항을, 새 코사인은 이전 사인에 -sin(k·ω)를 곱한 항을 받습니다.",
                ),
            ),
            (
                lambda d, ks: _relative_shift(d, ks, variant="no_cross"),
                Hint(
                    "a shift mixes each sine with its cosine: expand sin(ω(t + k)) and cos(ω(t + k)) with the "
                    "angle-addition formulas; the cross terms with sin(k·ω) belong in M too.",
                    "이동은 각 사인을 짝인 코사인과 섞습니다: sin(ω(t + k))와 cos(ω(t + k))를 덧셈정리로 전개하세요. sin(k·ω)가 붙은 교차항도 M에 들어갑니다.",
                ),
            ),
            (
                lambda d, ks: _relative_shift(d, ks, variant="trace"),
                Hint(
                    "dot is p_tᵀ M p_t, not the trace of M: each column pair (sin, cos) has length 1 and contributes "
                    "cos(k·ω_i) once, so dot = Σ_i cos(k·ω_i) over the d_model/2 pairs.",
                    "`dot`은 M의 대각합이 아니라 p_tᵀ M p_t입니다: 열 쌍 (sin, cos)마다 길이가 1이고 cos(k·ω_i)를 한 번 보태므로, d_model/2개 쌍에 대해 dot = Σ_i cos(k·ω_i)입니다.",
                ),
            ),
            (
                lambda d, ks: _relative_shift(d, ks, exponent="i"),
                Hint(
                    "the pair (2i, 2i+1) turns at ω_i = 1 / 10000^(2i/d_model), with the even column index 2i in "
                    "the exponent, not i.",
                    "쌍 (2i, 2i+1)은 ω_i = 1 / 10000^(2i/d_model)의 속도로 돕니다: 지수에는 i가 아니라 짝수 열 인덱스 2i가 들어갑니다.",
                ),
            ),
            (
                lambda d, ks: _relative_shift(d, ks, exponent="times"),
                Hint(
                    "the frequency is 1 / 10000^(2i/d_model): the position is divided by 10000^(2i/d_model), not "
                    "multiplied.",
                    "주파수는 1 / 10000^(2i/d_model)입니다: 위치에 10000^(2i/d_model)을 곱하지 말고 나누세요.",
                ),
            ),
            (
                lambda d, ks: _relative_shift(d, ks, variant="halves"),
                Hint(
                    "the encoding interleaves its columns (sin, cos, sin, cos, ...): each 2×2 block sits on "
                    "columns 2i and 2i+1, not on i and d_model/2 + i.",
                    "인코딩은 열을 번갈아 놓습니다(sin, cos, sin, cos, ...): 각 2×2 블록은 열 i와 d_model/2 + i가 아니라 열 2i와 2i+1에 놓입니다.",
                ),
            ),
        ),
        # Fitting M to sampled encodings with a solver would skip the derivation.
        forbidden=(
            "numpy.linalg.lstsq",
            "numpy.linalg.solve",
            "numpy.linalg.inv",
            "numpy.linalg.pinv",
            "torch.linalg.lstsq",
            "torch.linalg.solve",
            "torch.linalg.inv",
            "torch.linalg.pinv",
            "torch.inverse",
            "torch.pinverse",
        ),
        rtol=1e-9,
        atol=1e-12,
    )
)
