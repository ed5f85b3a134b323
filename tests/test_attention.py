"""course_lib.attention against PyTorch, computed at test time, in float64 (blocks: float32 too)."""

import math

import pytest
import torch
import torch.nn.functional as F

from course_lib import attention
from course_lib.attention import (
    AttentionTagger,
    LearnedPositionalEncoding,
    MultiheadAttention,
    SelfAttentionHead,
    merge_heads,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
    split_heads,
)

DT = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-10}
TOLS = {torch.float64: TOL, torch.float32: {"rtol": 1e-5, "atol": 1e-5}}


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def _leaf(*shape: int, dtype: torch.dtype = DT) -> torch.Tensor:
    return torch.randn(*shape, dtype=dtype, requires_grad=True)


def _bool_mask(*shape: int) -> torch.Tensor:
    """Random boolean mask with at least one True per row (no fully masked rows)."""
    mask = torch.rand(*shape) < 0.6
    mask[..., 0] = True
    return mask


def _assert_same_with_grads(ours, theirs, inputs, tol=TOL) -> None:
    """ours and theirs: a tensor or a tuple of tensors; values and input gradients agree."""
    torch.testing.assert_close(ours, theirs, **tol)
    if isinstance(theirs, tuple):
        grad_out = tuple(torch.randn_like(t) for t in theirs)
    else:
        grad_out = torch.randn_like(theirs)
    ours_grads = torch.autograd.grad(ours, inputs, grad_out)
    theirs_grads = torch.autograd.grad(theirs, inputs, grad_out)
    for a, b in zip(ours_grads, theirs_grads, strict=True):
        torch.testing.assert_close(a, b, **tol)


# ------------------------------------------------------------------ scaled dot product


def _float_mask(*shape: int) -> torch.Tensor:
    mask = torch.randn(*shape, dtype=DT)
    mask[..., 1:][torch.rand(*shape)[..., 1:] < 0.3] = float("-inf")
    return mask


def _with_dead_row(mask: torch.Tensor, row: int) -> torch.Tensor:
    """The mask with query row `row` fully masked (all False, or all -inf)."""
    mask[..., row, :] = False if mask.dtype == torch.bool else float("-inf")
    return mask


# masks are built inside the test, after seeding
SDPA_CASES = {
    "no_mask": ((2, 5, 8), (2, 5, 8), (2, 5, 8), {}),
    "bool_mask": ((2, 5, 8), (2, 5, 8), (2, 5, 8), {"attn_mask": lambda: _bool_mask(5, 5)}),
    "bool_mask_broadcast_batch": (
        (2, 3, 4, 8),
        (2, 3, 6, 8),
        (2, 3, 6, 8),
        {"attn_mask": lambda: _bool_mask(2, 1, 4, 6)},
    ),
    "float_mask_with_minus_inf": (
        (2, 5, 8),
        (2, 5, 8),
        (2, 5, 8),
        {"attn_mask": lambda: _float_mask(5, 5)},
    ),
    "large_finite_negative_mask_is_not_masked": (
        (2, 3, 8),
        (2, 4, 8),
        (2, 4, 8),
        {"attn_mask": lambda: torch.full((3, 4), -1e9, dtype=DT)},
    ),
    "causal_square": ((2, 5, 8), (2, 5, 8), (2, 5, 8), {"is_causal": True}),
    "causal_more_keys": ((2, 3, 8), (2, 6, 8), (2, 6, 8), {"is_causal": True}),
    "causal_more_queries": ((2, 6, 8), (2, 3, 8), (2, 3, 8), {"is_causal": True}),
    "custom_scale": ((2, 5, 8), (2, 5, 8), (2, 5, 8), {"scale": 0.37}),
    "batch_and_heads": ((2, 3, 5, 8), (2, 3, 5, 8), (2, 3, 5, 8), {}),
    "query_length_differs_from_key_length": ((2, 3, 4, 8), (2, 3, 7, 8), (2, 3, 7, 8), {}),
    "value_features_differ_from_key_features": ((2, 4, 8), (2, 6, 8), (2, 6, 5), {}),
    "unbatched": ((4, 8), (6, 8), (6, 3), {"attn_mask": lambda: _bool_mask(4, 6)}),
    "leading_dims_broadcast_between_query_key_value": (
        (2, 1, 5, 8),
        (1, 3, 6, 8),
        (2, 3, 6, 4),
        {},
    ),
    "bool_mask_one_query_row_for_all": (
        (2, 3, 5, 8),
        (2, 3, 6, 8),
        (2, 3, 6, 8),
        {"attn_mask": lambda: _bool_mask(3, 1, 6)},
    ),
    "float_mask_over_keys_only": (
        (2, 5, 8),
        (2, 6, 8),
        (2, 6, 8),
        {"attn_mask": lambda: _float_mask(6)},
    ),
    "bool_mask_with_fully_masked_row": (
        (2, 5, 8),
        (2, 6, 8),
        (2, 6, 8),
        {"attn_mask": lambda: _with_dead_row(_bool_mask(2, 5, 6), 3)},
    ),
    "float_mask_with_fully_masked_row": (
        (2, 5, 8),
        (2, 6, 8),
        (2, 6, 8),
        {"attn_mask": lambda: _with_dead_row(_float_mask(5, 6), 0)},
    ),
}


def _sdpa_case(case: str, dtype: torch.dtype = DT):
    """Leaves q, k, v and the keyword arguments (masks built now) of SDPA_CASES[case] in dtype."""
    q_shape, k_shape, v_shape, kwargs = SDPA_CASES[case]
    kwargs = {name: arg() if callable(arg) else arg for name, arg in kwargs.items()}
    if "attn_mask" in kwargs and kwargs["attn_mask"].is_floating_point():
        kwargs["attn_mask"] = kwargs["attn_mask"].to(dtype)
    q, k, v = (_leaf(*shape, dtype=dtype) for shape in (q_shape, k_shape, v_shape))
    return q, k, v, kwargs


@pytest.mark.parametrize("case", SDPA_CASES, ids=list(SDPA_CASES))
def test_sdpa_matches_torch_outputs_and_gradients(case):
    q, k, v, kwargs = _sdpa_case(case)
    ours = scaled_dot_product_attention(q, k, v, **kwargs)
    theirs = F.scaled_dot_product_attention(q, k, v, **kwargs)
    _assert_same_with_grads(ours, theirs, (q, k, v))


def _force_query_blocks(monkeypatch, rows: int, scores_shape, dtype=DT) -> list[int]:
    """Make attention take `rows` query rows per block for scores (..., L, S) of dtype.

    Returns a list that records the query length of every call the module makes to its
    ``scaled_dot_product_attention`` from now on: each block (the query-blocked helper
    attends a block with it), and a layer's own call. A test's call through the imported
    name is not recorded.
    """
    row_bytes = math.prod(scores_shape[:-2]) * scores_shape[-1] * torch.finfo(dtype).bits // 8
    monkeypatch.setattr(attention, "QUERY_BLOCK_BYTES", rows * row_bytes)
    attend, block_lengths = attention.scaled_dot_product_attention, []

    def recording_attend(query, *args, **kwargs):
        block_lengths.append(query.shape[-2])
        return attend(query, *args, **kwargs)

    monkeypatch.setattr(attention, "scaled_dot_product_attention", recording_attend)
    return block_lengths


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("rows", [1, 2])
@pytest.mark.parametrize("case", SDPA_CASES, ids=list(SDPA_CASES))
def test_sdpa_in_query_blocks_matches_torch_and_one_block_with_weights(
    case, rows, dtype, monkeypatch
):
    q, k, v, kwargs = _sdpa_case(case, dtype)
    whole = scaled_dot_product_attention(q, k, v, return_weights=True, **kwargs)
    block_lengths = _force_query_blocks(monkeypatch, rows, whole[1].shape, dtype)
    ours = scaled_dot_product_attention(q, k, v, **kwargs)
    length = q.shape[-2]
    assert len(block_lengths) > 1
    assert block_lengths == [min(rows, length - start) for start in range(0, length, rows)]
    theirs = F.scaled_dot_product_attention(q, k, v, **kwargs)
    _assert_same_with_grads(ours, theirs, (q, k, v), TOLS[dtype])
    # the blocks' weights, concatenated, are one block's weights, gradients included
    blocked = scaled_dot_product_attention(q, k, v, return_weights=True, **kwargs)
    _assert_same_with_grads(blocked, whole, (q, k, v), TOLS[dtype])


FULLY_MASKED = {
    "bool_all_false": lambda: torch.tensor([[True] * 5, [False] * 5, [True, False] * 2 + [True]]),
    "float_all_minus_inf": lambda: torch.tensor(
        [[0.0] * 5, [float("-inf")] * 5, [0.5, float("-inf"), 0.0, -1.0, 2.0]], dtype=DT
    ),
}


@pytest.mark.parametrize("kind", FULLY_MASKED, ids=list(FULLY_MASKED))
def test_sdpa_fully_masked_row_gives_zeros_and_zero_gradient_as_torch(kind):
    mask = FULLY_MASKED[kind]()
    q, k, v = _leaf(2, 3, 4), _leaf(2, 5, 4), _leaf(2, 5, 6)
    ours, weights = scaled_dot_product_attention(q, k, v, attn_mask=mask, return_weights=True)
    theirs = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.equal(theirs[:, 1], torch.zeros(2, 6, dtype=DT))  # torch 2.13's convention
    assert torch.equal(ours[:, 1], torch.zeros(2, 6, dtype=DT))
    assert torch.equal(weights[:, 1], torch.zeros(2, 5, dtype=DT))  # not uniform (d2l's bug)
    _assert_same_with_grads(ours, theirs, (q, k, v))
    again = scaled_dot_product_attention(q, k, v, attn_mask=mask)
    q_grad = torch.autograd.grad(again.sum(), q)[0]
    assert torch.isfinite(q_grad).all() and torch.equal(q_grad[:, 1], torch.zeros(2, 4, dtype=DT))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sdpa_fully_masked_row_is_zero_in_float32_and_float64_as_torch(dtype):
    q, k, v = (torch.randn(1, 2, 3, 4, dtype=dtype) for _ in range(3))
    mask = torch.tensor([[True, False, True], [False, False, False], [True, True, True]])
    ours = scaled_dot_product_attention(q, k, v, attn_mask=mask)
    theirs = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, theirs)
    assert torch.equal(ours[..., 1, :], torch.zeros_like(ours[..., 1, :]))


def test_sdpa_weights_sum_to_one_on_unmasked_rows_and_reproduce_the_output():
    q, k, v = _leaf(2, 4, 8), _leaf(2, 6, 8), _leaf(2, 6, 3)
    mask = _bool_mask(4, 6)
    mask[2] = False
    out, weights = scaled_dot_product_attention(q, k, v, attn_mask=mask, return_weights=True)
    sums = weights.sum(dim=-1)
    torch.testing.assert_close(sums[:, [0, 1, 3]], torch.ones(2, 3, dtype=DT), **TOL)
    assert torch.equal(sums[:, 2], torch.zeros(2, dtype=DT))
    assert torch.equal(weights[:, ~mask], torch.zeros_like(weights[:, ~mask]))
    torch.testing.assert_close(out, weights @ v, **TOL)


def test_sdpa_rejects_mask_together_with_is_causal():
    q = torch.randn(2, 3, 4, dtype=DT)
    with pytest.raises(ValueError, match="not both"):
        scaled_dot_product_attention(q, q, q, attn_mask=_bool_mask(3, 3), is_causal=True)


@pytest.mark.parametrize(
    ("q_shape", "k_shape", "v_shape", "expected"),
    [
        ((2, 3, 4), (2, 5, 6), (2, 5, 6), r"key must be \(\.\.\., S, E=4\)"),
        ((2, 3, 4), (2, 5, 4), (2, 6, 4), r"value must be \(\.\.\., S=5, Ev\)"),
        ((2, 3, 4), (3, 5, 4), (3, 5, 4), "must broadcast"),
        ((4,), (5, 4), (5, 4), r"query must be \(\.\.\., length, features\)"),
    ],
)
def test_sdpa_wrong_shapes_raise_value_error_naming_the_expected_shape(
    q_shape, k_shape, v_shape, expected
):
    q, k, v = (torch.randn(*s, dtype=DT) for s in (q_shape, k_shape, v_shape))
    with pytest.raises(ValueError, match=expected):
        scaled_dot_product_attention(q, k, v)


def test_sdpa_wrong_dtypes_and_mask_shape_raise_value_error():
    q = torch.randn(2, 3, 4, dtype=DT)
    with pytest.raises(ValueError, match="share a dtype"):
        scaled_dot_product_attention(q, q.float(), q)
    with pytest.raises(ValueError, match="boolean or floating"):
        scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"broadcast to \(\.\.\., L, S\) = \(2, 3, 3\)"):
        scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(3, 4, dtype=torch.bool))


# ------------------------------------------------------------------ multi-head attention


def _mha_pair(embed_dim=8, num_heads=2, batch_first=False, bias=True):
    """torch's module with random weights (biases too) and ours loaded from it."""
    theirs = torch.nn.MultiheadAttention(
        embed_dim, num_heads, bias=bias, batch_first=batch_first, dtype=DT
    )
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    ours = MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=batch_first, dtype=DT)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _assert_mha_parity(ours, theirs, query, key, value, **kwargs) -> None:
    """Outputs, weights and gradients of inputs and every parameter agree."""
    out_a, w_a = ours(query, key, value, **kwargs)
    out_b, w_b = theirs(query, key, value, **kwargs)
    if kwargs.get("need_weights", True):
        torch.testing.assert_close(w_a, w_b, **TOL)
    else:
        assert w_a is None and w_b is None
    leaves = []
    for t in (query, key, value):
        if not any(t is seen for seen in leaves):
            leaves.append(t)
    inputs_a = (*leaves, *ours.parameters())
    inputs_b = (*leaves, *theirs.parameters())
    torch.testing.assert_close(out_a, out_b, **TOL)
    grad_out = torch.randn_like(out_b)
    if kwargs.get("need_weights", True):
        # weights feed the loss too, so their backward is checked as well
        grad_w = torch.randn_like(w_b)
        grads_a = torch.autograd.grad((out_a, w_a), inputs_a, (grad_out, grad_w))
        grads_b = torch.autograd.grad((out_b, w_b), inputs_b, (grad_out, grad_w))
    else:
        grads_a = torch.autograd.grad(out_a, inputs_a, grad_out)
        grads_b = torch.autograd.grad(out_b, inputs_b, grad_out)
    for a, b in zip(grads_a, grads_b, strict=True):
        torch.testing.assert_close(a, b, **TOL)


def _seq(length, batch, width, batch_first):
    return _leaf(batch, length, width) if batch_first else _leaf(length, batch, width)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_heads", [1, 2, 4])
def test_mha_matches_torch_self_attention(num_heads, batch_first):
    ours, theirs = _mha_pair(8, num_heads, batch_first)
    x = _seq(5, 3, 8, batch_first)
    _assert_mha_parity(ours, theirs, x, x, x)


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_matches_torch_cross_attention_with_per_head_weights(batch_first):
    ours, theirs = _mha_pair(8, 2, batch_first)
    query, memory = _seq(4, 3, 8, batch_first), _seq(6, 3, 8, batch_first)
    _assert_mha_parity(ours, theirs, query, memory, memory, average_attn_weights=False)
    key, value = _seq(6, 3, 8, batch_first), _seq(6, 3, 8, batch_first)
    _assert_mha_parity(ours, theirs, query, key, value)


@pytest.mark.parametrize("kpm_kind", ["bool", "float"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_matches_torch_with_key_padding_mask(kpm_kind, batch_first):
    ours, theirs = _mha_pair(8, 2, batch_first)
    x = _seq(5, 3, 8, batch_first)
    pad = torch.zeros(3, 5, dtype=torch.bool)
    pad[0, 3:] = True
    pad[2, 1] = True
    kpm = pad if kpm_kind == "bool" else torch.randn(3, 5, dtype=DT).masked_fill(pad, -math.inf)
    _assert_mha_parity(ours, theirs, x, x, x, key_padding_mask=kpm)
    _assert_mha_parity(ours, theirs, x, x, x, key_padding_mask=kpm, need_weights=False)


ATTN_MASKS = {
    "2d_bool": lambda: ~_bool_mask(4, 6),
    "2d_float": lambda: _float_mask(4, 6),
    "3d_bool": lambda: ~_bool_mask(3 * 2, 4, 6),
    "3d_float": lambda: _float_mask(3 * 2, 4, 6),
}


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kind", ATTN_MASKS, ids=list(ATTN_MASKS))
def test_mha_matches_torch_with_attn_mask(kind, need_weights):
    ours, theirs = _mha_pair(8, 2, batch_first=True)
    query, memory = _leaf(3, 4, 8), _leaf(3, 6, 8)
    mask = ATTN_MASKS[kind]()
    kwargs = {"attn_mask": mask, "need_weights": need_weights, "average_attn_weights": False}
    _assert_mha_parity(ours, theirs, query, memory, memory, **kwargs)


def test_mha_matches_torch_with_attn_mask_and_key_padding_mask_together():
    ours, theirs = _mha_pair(8, 2, batch_first=False)
    x = _seq(5, 3, 8, batch_first=False)
    pad = torch.zeros(3, 5, dtype=torch.bool)
    pad[1, 4] = True
    attn_mask = torch.ones(5, 5, dtype=torch.bool).triu(1)
    _assert_mha_parity(ours, theirs, x, x, x, attn_mask=attn_mask, key_padding_mask=pad)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_matches_torch_is_causal_with_its_mask(need_weights):
    ours, theirs = _mha_pair(8, 2, batch_first=True)
    x = _leaf(3, 5, 8)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=DT)
    kwargs = {"attn_mask": causal, "is_causal": True, "need_weights": need_weights}
    _assert_mha_parity(ours, theirs, x, x, x, **kwargs)
    with pytest.raises(ValueError, match="needs attn_mask"):
        ours(x, x, x, is_causal=True)


def test_mha_matches_torch_on_unbatched_input():
    ours, theirs = _mha_pair(8, 2)
    query, memory = _leaf(4, 8), _leaf(6, 8)
    kpm = torch.tensor([False, False, True, False, False, True])
    attn_mask = ~_bool_mask(2, 4, 6)
    _assert_mha_parity(ours, theirs, query, memory, memory, key_padding_mask=kpm)
    _assert_mha_parity(ours, theirs, query, memory, memory, attn_mask=attn_mask)
    _assert_mha_parity(ours, theirs, query, memory, memory, average_attn_weights=False)


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_need_weights_false_returns_none_and_the_same_output(batch_first):
    ours, theirs = _mha_pair(8, 4, batch_first)
    x = _seq(5, 3, 8, batch_first)
    _assert_mha_parity(ours, theirs, x, x, x, need_weights=False)


def test_mha_without_bias_matches_torch():
    ours, theirs = _mha_pair(8, 2, bias=False)
    assert ours.in_proj_bias is None and ours.out_proj.bias is None
    x = _seq(5, 3, 8, batch_first=False)
    _assert_mha_parity(ours, theirs, x, x, x)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_in_query_blocks_matches_torch(need_weights, monkeypatch):
    ours, theirs = _mha_pair(8, 2, batch_first=True)
    x = _leaf(3, 5, 8)
    pad = torch.zeros(3, 5, dtype=torch.bool)
    pad[1, 3:] = True
    causal = torch.ones(5, 5, dtype=torch.bool).triu(1)
    block_lengths = _force_query_blocks(monkeypatch, 2, (3, 2, 5, 5))
    kwargs = {"attn_mask": causal, "key_padding_mask": pad, "need_weights": need_weights}
    _assert_mha_parity(ours, theirs, x, x, x, **kwargs)
    assert block_lengths == [5, 2, 2, 1]  # the layer's call, then its three blocks


def test_mha_fully_masked_row_is_nan_with_weights_and_bias_without_as_torch():
    ours, theirs = _mha_pair(8, 2, batch_first=True)
    x = _leaf(2, 4, 8)
    attn_mask = torch.zeros(4, 4, dtype=torch.bool)
    attn_mask[1] = True  # query 1 may attend no key
    out_a, w_a = ours(x, x, x, attn_mask=attn_mask)
    out_b, w_b = theirs(x, x, x, attn_mask=attn_mask)
    assert out_b[:, 1].isnan().all() and w_b[:, 1].isnan().all()  # torch 2.13's behaviour
    torch.testing.assert_close(out_a, out_b, equal_nan=True, **TOL)
    torch.testing.assert_close(w_a, w_b, equal_nan=True, **TOL)
    assert torch.isfinite(out_a[:, [0, 2, 3]]).all()

    out_a, _ = ours(x, x, x, attn_mask=attn_mask, need_weights=False)
    out_b, _ = theirs(x, x, x, attn_mask=attn_mask, need_weights=False)
    torch.testing.assert_close(out_a, out_b, **TOL)
    torch.testing.assert_close(out_a[:, 1], ours.out_proj.bias.expand(2, 8), **TOL)


def test_mha_fully_padded_sequence_is_nan_with_weights_and_bias_without_as_torch():
    ours, theirs = _mha_pair(8, 2, batch_first=False)
    x = _seq(4, 2, 8, batch_first=False)
    kpm = torch.tensor([[True] * 4, [False, False, True, True]])
    for need_weights in (True, False):
        out_a, _ = ours(x, x, x, key_padding_mask=kpm, need_weights=need_weights)
        out_b, _ = theirs(x, x, x, key_padding_mask=kpm, need_weights=need_weights)
        torch.testing.assert_close(out_a, out_b, equal_nan=True, **TOL)
        assert out_a[:, 0].isnan().all() == need_weights


@pytest.mark.parametrize("bias", [True, False])
def test_mha_initialises_like_torch_and_state_dict_loads_both_ways(bias):
    torch.manual_seed(3)
    ours = MultiheadAttention(12, 3, bias=bias)
    torch.manual_seed(3)
    theirs = torch.nn.MultiheadAttention(12, 3, bias=bias)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    for name, tensor in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], tensor), name
    fresh = torch.nn.MultiheadAttention(12, 3, bias=bias)
    fresh.load_state_dict(_mha_pair(12, 3, bias=bias)[0].state_dict())


def test_mha_rejects_unsupported_options_and_wrong_shapes():
    with pytest.raises(ValueError, match="dropout"):
        MultiheadAttention(8, 2, dropout=0.1)
    with pytest.raises(ValueError, match="kdim"):
        MultiheadAttention(8, 2, kdim=4)
    with pytest.raises(ValueError, match="multiple of num_heads"):
        MultiheadAttention(8, 3)
    mha = MultiheadAttention(8, 2, batch_first=True, dtype=DT)
    x = torch.randn(3, 5, 8, dtype=DT)
    with pytest.raises(ValueError, match=r"key must be \(batch, length, 8\), got \(3, 5, 7\)"):
        mha(x, x[..., :7], x)
    with pytest.raises(ValueError, match=r"key_padding_mask must be \(batch, S\) = \(3, 5\)"):
        mha(x, x, x, key_padding_mask=torch.zeros(5, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"attn_mask must be \(L, S\) = \(5, 5\)"):
        mha(x, x, x, attn_mask=torch.zeros(5, 4, dtype=torch.bool))


def test_split_heads_and_merge_heads_are_inverse_and_slice_features():
    x = torch.randn(2, 5, 12, dtype=DT)
    heads = split_heads(x, 3)  # (B, nh, T, hs)
    assert heads.shape == (2, 3, 5, 4)
    for h in range(3):
        assert torch.equal(heads[:, h], x[..., 4 * h : 4 * (h + 1)])
    assert torch.equal(merge_heads(heads), x)
    with pytest.raises(ValueError, match="multiple of num_heads=5"):
        split_heads(x, 5)


# ------------------------------------------------------------------ positional encoding


@pytest.mark.parametrize(("length", "d_model", "base"), [(9, 6, 10000.0), (7, 5, 100.0)])
def test_sinusoidal_encoding_matches_the_formula_with_sin_on_even_cos_on_odd_dims(
    length, d_model, base
):
    pe = sinusoidal_positional_encoding(length, d_model, base=base, dtype=DT)
    assert pe.shape == (length, d_model) and pe.dtype == DT
    for t in range(length):
        for j in range(d_model):
            angle = t / base ** (2 * (j // 2) / d_model)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert abs(pe[t, j].item() - expected) < 1e-12, (t, j)
    assert sinusoidal_positional_encoding(length, d_model).dtype == torch.float32


def test_learned_positional_encoding_adds_its_table_and_rejects_long_input():
    enc = LearnedPositionalEncoding(max_len=6, d_model=4).double()
    x = torch.randn(2, 5, 4, dtype=DT)
    assert torch.equal(enc(x), x + enc.weight[:5])
    with pytest.raises(ValueError, match="length 7 is longer than max_len=6"):
        enc(torch.randn(2, 7, 4, dtype=DT))
    with pytest.raises(ValueError, match=r"x must be \(batch, time, 4\), got \(2, 5, 3\)"):
        enc(torch.randn(2, 5, 3, dtype=DT))


def test_attention_is_permutation_equivariant_without_positions_and_not_with_them():
    mha = MultiheadAttention(8, 2, batch_first=True, dtype=DT)
    x = torch.randn(2, 6, 8, dtype=DT)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    out, _ = mha(x, x, x)
    out_perm, _ = mha(x[:, perm], x[:, perm], x[:, perm])
    torch.testing.assert_close(out_perm, out[:, perm], **TOL)

    pe = sinusoidal_positional_encoding(6, 8, dtype=DT)
    xp, xp_perm = x + pe, x[:, perm] + pe
    out, _ = mha(xp, xp, xp)
    out_perm, _ = mha(xp_perm, xp_perm, xp_perm)
    assert (out_perm - out[:, perm]).abs().max() > 1e-3


# ------------------------------------------------------------------ one head


def test_self_attention_head_equals_the_manual_computation():
    head = SelfAttentionHead(embed_dim=8, head_dim=4).double()
    x = torch.randn(2, 5, 8, dtype=DT)
    q = x @ head.query.weight.T
    k = x @ head.key.weight.T
    v = x @ head.value.weight.T
    scores = q @ k.transpose(1, 2) / math.sqrt(4)
    weights = torch.softmax(scores, dim=-1)
    out, got_weights = head(x, return_weights=True)
    torch.testing.assert_close(out, weights @ v, **TOL)
    torch.testing.assert_close(got_weights, weights, **TOL)

    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    masked = torch.softmax(scores.masked_fill(~causal, -math.inf), dim=-1) @ v
    torch.testing.assert_close(head(x, is_causal=True), masked, **TOL)
    torch.testing.assert_close(head(x, attn_mask=causal), masked, **TOL)


def test_self_attention_head_wrong_shape_raises_value_error_naming_the_expected_shape():
    head = SelfAttentionHead(embed_dim=8, head_dim=4)
    with pytest.raises(ValueError, match=r"x must be \(batch, time, 8\), got \(2, 5, 6\)"):
        head(torch.randn(2, 5, 6))
    with pytest.raises(ValueError, match=r"x must be \(batch, time, 8\), got \(5, 8\)"):
        head(torch.randn(5, 8))


# ------------------------------------------------------------------ a model of one head


def test_attention_tagger_reads_out_the_head_and_never_attends_to_padding():
    tagger = AttentionTagger(
        vocab_size=10, num_classes=3, d_model=8, max_len=6, pad_index=0
    ).double()
    words = torch.tensor(
        [[4, 5, 6, 7, 2], [3, 9, 1, 0, 0]]
    )  # the second sentence: 3 words + 2 pads
    scores, weights = tagger(words, return_weights=True)
    assert scores.shape == (2, 5, 3) and weights.shape == (2, 5, 5)
    assert torch.all(weights[1, :, 3:] == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 5, dtype=DT), **TOL)

    torch.testing.assert_close(
        tagger.positions, sinusoidal_positional_encoding(6, 8, dtype=DT), atol=1e-7, rtol=0
    )
    x = tagger.embed(words) + tagger.positions[:5]
    may_attend = (words != 0)[:, None, :]
    expected = tagger.out(tagger.head(x, attn_mask=may_attend))
    torch.testing.assert_close(scores, expected, **TOL)
    torch.testing.assert_close(tagger(words), scores, **TOL)
    # padding changes nothing: the real words score the same without it
    torch.testing.assert_close(tagger(words[1:, :3]), scores[1:, :3], **TOL)


def test_attention_tagger_rejects_wrong_inputs_naming_the_expected_shape():
    tagger = AttentionTagger(vocab_size=10, num_classes=3, d_model=8, max_len=6)
    with pytest.raises(
        ValueError, match=r"words must be \(batch, time <= 6\) word indices, got \(2, 7\)"
    ):
        tagger(torch.zeros(2, 7, dtype=torch.long))
    with pytest.raises(ValueError, match=r"got \(5,\) torch.int64"):
        tagger(torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"got \(2, 5\) torch.float32"):
        tagger(torch.zeros(2, 5))
