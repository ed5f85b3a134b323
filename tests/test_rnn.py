"""Tests of course_lib.rnn: NumPy BPTT against finite differences and torch, modules vs torch."""

import numpy as np
import pytest
import torch
from recurrent_parity import (
    LAYER_CONFIGS,
    assert_matches_torch,
    assert_state_dict_round_trip,
    config_id,
)
from torch import nn

from course_lib import rnn
from course_lib.gradients import gradient_check

NONLINEARITIES = ["tanh", "relu"]


def random_problem(seed: int, B: int = 3, T: int = 5, I: int = 4, H: int = 6):
    """Return x (B, T, I), h0 (B, H), W_xh (H, I), W_hh (H, H), b (H,), dh (B, T, H)."""
    rng = np.random.default_rng(seed)
    shapes = [(B, T, I), (B, H), (H, I), (H, H), (H,), (B, T, H)]
    return [rng.standard_normal(shape) * 0.5 for shape in shapes]


# --- NumPy step and BPTT ---------------------------------------------------------------


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_numpy_step_backward_matches_finite_differences(nonlinearity):
    x, h0, W_xh, W_hh, b, dh = random_problem(0)
    x_t, dnext = x[:, 0], dh[:, 0]
    _, cache = rnn.rnn_step_forward(x_t, h0, W_xh, W_hh, b, nonlinearity)
    grads = rnn.rnn_step_backward(dnext, cache)

    def loss(*inputs):
        return np.sum(rnn.rnn_step_forward(*inputs, nonlinearity)[0] * dnext)

    assert gradient_check(loss, [x_t, h0, W_xh, W_hh, b], grads) < 1e-8


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_numpy_bptt_matches_finite_differences(nonlinearity):
    x, h0, W_xh, W_hh, b, dh = random_problem(1)
    _, cache = rnn.rnn_forward(x, h0, W_xh, W_hh, b, nonlinearity)
    grads = rnn.rnn_backward(dh, cache)

    def loss(*inputs):
        return np.sum(rnn.rnn_forward(*inputs, nonlinearity)[0] * dh)

    assert gradient_check(loss, [x, h0, W_xh, W_hh, b], grads) < 1e-6


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_numpy_rnn_forward_and_bptt_match_torch_rnn(nonlinearity):
    x, h0, W_xh, W_hh, b, dh = random_problem(2, T=7)
    h, cache = rnn.rnn_forward(x, h0, W_xh, W_hh, b, nonlinearity)
    dx, dh0, dW_xh, dW_hh, db = rnn.rnn_backward(dh, cache)

    reference = nn.RNN(4, 6, nonlinearity=nonlinearity, batch_first=True).double()
    with torch.no_grad():
        reference.weight_ih_l0.copy_(torch.from_numpy(W_xh))
        reference.weight_hh_l0.copy_(torch.from_numpy(W_hh))
        reference.bias_ih_l0.copy_(torch.from_numpy(b))
        reference.bias_hh_l0.zero_()
    x_t = torch.from_numpy(x).requires_grad_(True)
    h0_t = torch.from_numpy(h0)[None].requires_grad_(True)
    out, _ = reference(x_t, h0_t)
    (out * torch.from_numpy(dh)).sum().backward()

    pairs = [
        (h, out),
        (dx, x_t.grad),
        (dh0, h0_t.grad[0]),
        (dW_xh, reference.weight_ih_l0.grad),
        (dW_hh, reference.weight_hh_l0.grad),
        (db, reference.bias_ih_l0.grad),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda p: rnn.rnn_forward(p[0][:, :, :3], *p[1:5]), "(batch, time, 4)"),
        (lambda p: rnn.rnn_forward(p[0], p[1][:2], *p[2:5]), "h0 must be (3, 6)"),
        (lambda p: rnn.rnn_forward(p[0], p[1], p[2], p[3].T[:4], p[4]), "W_hh must be (6, 6)"),
        (lambda p: rnn.rnn_step_forward(p[0][:, 0].T, *p[1:5]), "x must be (batch, 4)"),
        (lambda p: rnn.rnn_forward(*p[:5], nonlinearity="sigmoid"), "'tanh' or 'relu'"),
    ],
    ids=["x", "h0", "W_hh", "step-x", "nonlinearity"],
)
def test_numpy_rnn_rejects_wrong_shapes_naming_the_expected_one(call, expected):
    problem = random_problem(3)
    with pytest.raises(ValueError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        call(problem)


# --- PyTorch cell and layer -------------------------------------------------------------


@pytest.mark.parametrize("with_hx", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("config", LAYER_CONFIGS, ids=config_id)
def test_rnn_matches_torch(config, with_hx):
    assert_matches_torch(rnn.RNN, nn.RNN, with_hx=with_hx, **config)


@pytest.mark.parametrize(
    "case",
    [
        {"batch": 1},
        {"time": 1},
        {"batched": False},
        {"batched": False, "with_hx": True, "num_layers": 2, "bidirectional": True},
        {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True, "with_hx": True},
        {"nonlinearity": "relu", "batch_first": True},
    ],
    ids=["batch1", "length1", "unbatched", "unbatched-L2-bidir-hx", "relu-L2-bidir-hx", "relu"],
)
def test_rnn_matches_torch_edge_cases(case):
    assert_matches_torch(rnn.RNN, nn.RNN, **case)


@pytest.mark.parametrize(
    "case",
    [
        {},
        {"with_hx": True},
        {"bias": False, "with_hx": True},
        {"nonlinearity": "relu", "with_hx": True},
        {"batched": False},
        {"batched": False, "with_hx": True},
        {"batch": 1},
    ],
    ids=["zero-state", "given-state", "nobias", "relu", "unbatched", "unbatched-hx", "batch1"],
)
def test_rnn_cell_matches_torch(case):
    assert_matches_torch(rnn.RNNCell, nn.RNNCell, **case)


@pytest.mark.parametrize(
    ("course_class", "torch_class", "kwargs"),
    [
        (rnn.RNN, nn.RNN, {"num_layers": 2, "bidirectional": True, "batch_first": True}),
        (rnn.RNN, nn.RNN, {"num_layers": 2, "bias": False, "batch_first": True}),
        (rnn.RNNCell, nn.RNNCell, {}),
    ],
    ids=["layer", "layer-nobias", "cell"],
)
def test_rnn_state_dict_loads_both_ways(course_class, torch_class, kwargs):
    assert_state_dict_round_trip(course_class, torch_class, **kwargs)


def test_rnn_dropout_acts_between_layers_only_in_training():
    torch.manual_seed(0)
    ours = rnn.RNN(3, 5, num_layers=2, dropout=0.5).double()
    theirs = nn.RNN(3, 5, num_layers=2, dropout=0.5).double()
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    torch.testing.assert_close(ours.eval()(x)[0], theirs.eval()(x)[0], rtol=1e-10, atol=1e-12)
    ours.train()
    assert not torch.allclose(ours(x)[0], ours.eval()(x)[0])


@pytest.mark.parametrize(
    ("module", "x_shape", "hx_shape", "expected", "got"),
    [
        (rnn.RNN(3, 5), (4, 2, 7), None, "(time, batch, 3)", "(4, 2, 7)"),
        (rnn.RNN(3, 5, batch_first=True), (2, 4, 3, 1), None, "(batch, time, 3)", "(2, 4, 3, 1)"),
        (rnn.RNN(3, 5, num_layers=2), (4, 2, 3), (1, 2, 5), "(2, 2, 5)", "(1, 2, 5)"),
        (rnn.RNN(3, 5), (4, 3), (1, 2, 5), "(1, 5)", "(1, 2, 5)"),
        (rnn.RNNCell(3, 5), (2, 4), None, "(batch, 3)", "(2, 4)"),
        (rnn.RNNCell(3, 5), (2, 3), (3, 5), "(2, 5)", "(3, 5)"),
    ],
    ids=["input", "input-batch_first", "hx-layers", "hx-unbatched", "cell-input", "cell-hx"],
)
def test_rnn_wrong_shape_raises_value_error_naming_expected_and_actual(
    module, x_shape, hx_shape, expected, got
):
    hx = None if hx_shape is None else torch.zeros(hx_shape)
    with pytest.raises(ValueError) as error:
        module(torch.zeros(x_shape), hx)
    assert expected in str(error.value)
    assert got in str(error.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: rnn.RNN(3, 4, nonlinearity="relu", bidirectional=True),
        lambda: nn.RNN(3, 4, nonlinearity="relu"),
        lambda: rnn.RNNCell(3, 4, nonlinearity="relu"),
        lambda: nn.RNNCell(3, 4, nonlinearity="relu"),
    ],
    ids=["course-layer", "torch-layer", "course-cell", "torch-cell"],
)
def test_identity_init_makes_relu_rnn_carry_its_state_unchanged_without_input(make):
    module = rnn.identity_init_(make())
    for name, param in module.named_parameters():
        if name.startswith("weight_hh"):
            torch.testing.assert_close(param.detach(), torch.eye(4))
        elif name.startswith("bias"):
            assert not param.any(), name
    # h_t = relu(I h_{t-1} + 0) = h_{t-1} when h >= 0 and the input is zero
    h = torch.rand(3, 4)
    if isinstance(module, nn.RNNCell | rnn.RNNCell):
        torch.testing.assert_close(module(torch.zeros(3, 3), h), h)
    else:
        h0 = h.expand(module.num_layers * (2 if module.bidirectional else 1), 3, 4)
        _, h_n = module(torch.zeros(6, 3, 3), h0.contiguous())
        torch.testing.assert_close(h_n, h0)


def test_identity_init_rejects_gated_cells():
    with pytest.raises(ValueError, match="square"):
        rnn.identity_init_(nn.LSTM(3, 4))
