"""Tests of course_lib.gradients against direct autograd, torch's Jacobian and torch's clipping."""

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.autograd.functional import jacobian

from course_lib import gradients, gru, lstm, rnn

I, H, T = 3, 4, 6

CELLS = {
    "course-rnn": lambda: rnn.RNNCell(I, H),
    "torch-rnn-relu": lambda: nn.RNNCell(I, H, nonlinearity="relu"),
    "course-lstm": lambda: lstm.LSTMCell(I, H),
    "torch-lstm": lambda: nn.LSTMCell(I, H),
    "course-gru": lambda: gru.GRUCell(I, H),
    "torch-gru": lambda: nn.GRUCell(I, H),
}


@pytest.fixture(params=list(CELLS), ids=list(CELLS))
def cell(request):
    torch.manual_seed(0)
    return CELLS[request.param]().double()


def is_lstm(cell):
    return isinstance(cell, nn.LSTMCell | lstm.LSTMCell)


def joint_step(cell, x_t):
    """Return the step as a function of the flat state s ((H,), or [h; c] (2H,) for an LSTM)."""

    def step(s):
        if is_lstm(cell):
            return torch.cat(cell(x_t, (s[:H], s[H:])))
        return cell(x_t, s)

    return step


def reference_trajectory(cell, x):
    """Return the flat states s_0 .. s_T of one sequence x (T, I), starting from zeros."""
    s = torch.zeros(2 * H if is_lstm(cell) else H, dtype=torch.float64)
    states = [s]
    with torch.no_grad():
        for x_t in x:
            s = joint_step(cell, x_t)(s)
            states.append(s)
    return states


def reference_jacobians(cell, x):
    """Return ∂s_t/∂s_{t-1} for every t from torch.autograd.functional.jacobian, (T, S, S)."""
    states = reference_trajectory(cell, x)
    return torch.stack(
        [jacobian(joint_step(cell, x_t), s) for x_t, s in zip(x, states, strict=False)]
    )


def test_step_jacobians_equal_torch_autograd_jacobian(cell):
    x = torch.randn(T, I, dtype=torch.float64)
    torch.testing.assert_close(
        gradients.step_jacobians(cell, x), reference_jacobians(cell, x), rtol=1e-10, atol=1e-12
    )


def test_rnn_step_jacobian_is_diag_one_minus_h_squared_times_W_hh():
    torch.manual_seed(1)
    cell = rnn.RNNCell(I, H).double()
    x = torch.randn(T, I, dtype=torch.float64)
    h = reference_trajectory(cell, x)[1:]
    expected = torch.stack([torch.diag(1 - h_t**2) @ cell.weight_hh.detach() for h_t in h])
    torch.testing.assert_close(gradients.step_jacobians(cell, x), expected)


def test_hidden_state_grad_norms_equal_adjoints_through_reference_jacobians(cell):
    x = torch.randn(T, I, dtype=torch.float64)
    norms = gradients.hidden_state_grad_norms(cell, x[None])
    # adjoint of s_T for L = sum(h_T), then a_{t-1} = J_t^T a_t back through every step
    jacobians = reference_jacobians(cell, x)
    adjoint = torch.zeros(jacobians.shape[1], dtype=torch.float64)
    adjoint[:H] = 1.0
    expected = [adjoint[:H].norm()]
    for J in jacobians.flip(0)[:-1]:
        adjoint = J.T @ adjoint
        expected.append(adjoint[:H].norm())
    torch.testing.assert_close(norms, torch.stack(expected[::-1]), rtol=1e-10, atol=1e-14)


def test_hidden_state_grad_norms_equal_retain_grad_backprop_with_custom_loss(cell):
    x = torch.randn(5, T, I, dtype=torch.float64)
    h0 = tuple(torch.randn(2, 5, H, dtype=torch.float64)) if is_lstm(cell) else None

    def loss_fn(h):
        return (h**2).sum()

    norms = gradients.hidden_state_grad_norms(cell, x, h0, loss_fn)
    hs = _states_that_keep_their_grad(cell, x, h0)
    loss_fn(hs[-1]).backward()
    torch.testing.assert_close(norms, torch.stack([h.grad.norm() for h in hs]))


def _states_that_keep_their_grad(cell, x, h0):
    """Run cell over x (B, T, I) step by step; return the hidden states h_1..h_T, each retaining
    its gradient (autograd's own answer to compare ours with)."""
    state, hs = h0, []
    for x_t in x.unbind(1):
        state = cell(x_t, state)
        h = state[0] if is_lstm(cell) else state
        h.retain_grad()
        hs.append(h)
    return hs


def test_hidden_state_grads_equal_retain_grad_backprop_entry_by_entry(cell):
    x = torch.randn(3, T, I, dtype=torch.float64)
    grads = gradients.hidden_state_grads(cell, x)
    assert grads.shape == (T, 3, H)
    hs = _states_that_keep_their_grad(cell, x, None)
    hs[-1].sum().backward()
    torch.testing.assert_close(grads, torch.stack([h.grad for h in hs]), rtol=0, atol=0)
    torch.testing.assert_close(
        gradients.hidden_state_grad_norms(cell, x), grads.flatten(1).norm(dim=1), rtol=0, atol=0
    )


def test_float32_norm_of_tiny_nonzero_entries_is_zero_because_the_squares_underflow():
    # what the module docstring and notebook 05 say: entries of 1e-23 are ordinary float32
    # numbers, their squares (1e-46) are not, so norm() reads 0; float64 keeps it
    tiny = torch.full((32, 64), 1e-23)
    assert (tiny != 0).all() and (tiny**2 == 0).all() and tiny.norm() == 0
    torch.testing.assert_close(
        tiny.double().norm().item(), 1e-23 * math.sqrt(32 * 64), rtol=1e-6, atol=0
    )


def test_float32_grad_norms_read_zero_where_the_gradient_entries_are_not():
    torch.manual_seed(0)
    cell = rnn.RNNCell(2, 64)
    x = torch.rand(8, 200, 2)
    grads = gradients.hidden_state_grads(cell, x)
    norms = gradients.hidden_state_grad_norms(cell, x)
    zero = norms == 0
    assert zero.any() and zero[0]
    assert all((g != 0).any() for g in grads[zero])
    assert (grads[zero].double().flatten(1).norm(dim=1) > 0).all()


def test_hidden_state_grad_norms_leave_parameter_grads_untouched():
    cell = rnn.RNNCell(I, H).double()
    gradients.hidden_state_grad_norms(cell, torch.randn(2, T, I, dtype=torch.float64))
    assert all(p.grad is None for p in cell.parameters())


def test_hidden_state_grad_norms_reject_unbatched_input():
    with pytest.raises(ValueError, match=r"\(batch, time, 3\)"):
        gradients.hidden_state_grad_norms(rnn.RNNCell(I, H), torch.randn(T, I))


def test_jacobian_product_singular_values_equal_those_of_unrolled_jacobian(cell):
    x = torch.randn(T, I, dtype=torch.float64)
    s0 = reference_trajectory(cell, x)[0]

    def unrolled(t):
        def run(s):
            for x_t in x[:t]:
                s = joint_step(cell, x_t)(s)
            return s

        return run

    expected = torch.stack(
        [torch.linalg.svdvals(jacobian(unrolled(t), s0)) for t in range(1, T + 1)]
    )
    values = gradients.jacobian_product_singular_values(gradients.step_jacobians(cell, x))
    torch.testing.assert_close(values, expected, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize(
    ("max_norm", "norm_type"),
    [(0.1, 2.0), (1e6, 2.0), (0.5, 1.0), (0.1, math.inf)],
    ids=["clipped", "unclipped", "l1", "inf"],
)
def test_clip_grad_norm_equals_torch(max_norm, norm_type):
    torch.manual_seed(0)
    ours, theirs = nn.LSTM(3, 4, num_layers=2).double(), nn.LSTM(3, 4, num_layers=2).double()
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    for module in (ours, theirs):
        module(x)[0].pow(2).sum().backward()
    ours.weight_hh_l1.grad = None  # a parameter without a gradient is skipped
    theirs.weight_hh_l1.grad = None
    total = gradients.clip_grad_norm_(ours.parameters(), max_norm, norm_type)
    expected = nn.utils.clip_grad_norm_(theirs.parameters(), max_norm, norm_type)
    torch.testing.assert_close(total, expected)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        if p.grad is not None:
            torch.testing.assert_close(p.grad, q.grad, msg=name)


def test_clip_grad_norm_accepts_one_tensor():
    p = torch.zeros(3, requires_grad=True)
    p.grad = torch.tensor([3.0, 4.0, 0.0])
    total = gradients.clip_grad_norm_(p, 1.0)
    torch.testing.assert_close(total, torch.linalg.vector_norm(torch.tensor([3.0, 4.0])))
    torch.testing.assert_close(p.grad.norm(), torch.tensor(1.0), rtol=1e-5, atol=0)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_numerical_gradient_of_known_function_and_input_restored(kind):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    # d/dx sum(sin(x) x^2) = cos(x) x^2 + 2 x sin(x)
    expected = np.cos(x) * x**2 + 2 * x * np.sin(x)
    if kind == "torch":
        x = torch.from_numpy(x)
    original = x.copy() if kind == "numpy" else x.clone()
    sin = torch.sin if kind == "torch" else np.sin
    grad = gradients.numerical_gradient(lambda v: (sin(v) * v**2).sum(), x)
    assert type(grad) is type(x)
    assert gradients.relative_error(grad, expected) < 1e-9
    assert (x == original).all()


def test_numerical_gradient_requires_float64():
    with pytest.raises(ValueError, match="float64"):
        gradients.numerical_gradient(lambda v: v.sum(), torch.zeros(3))


def test_relative_error_is_zero_for_equal_scale_free_and_shape_checked():
    a, b = np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.5, 3.0])
    assert gradients.relative_error(a, a) == 0.0
    assert gradients.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradients.relative_error(1e-9 * a, 1e-9 * b) == pytest.approx(
        gradients.relative_error(a, b)
    )
    assert gradients.relative_error(torch.from_numpy(a), b) == gradients.relative_error(a, b)
    with pytest.raises(ValueError, match="equal shapes"):
        gradients.relative_error(a, a[:2])


def test_gradient_check_accepts_right_gradients_and_rejects_a_wrong_one():
    rng = np.random.default_rng(1)
    A, B, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 3)), rng.standard_normal((3, 3))

    def f(A, B):
        return np.sum((A @ B) * C)

    dA, dB = C @ B.T, A.T @ C
    assert gradients.gradient_check(f, [A, B], [dA, dB]) < 1e-8
    assert gradients.gradient_check(f, [A, B], [dA, A.T @ C.T]) > 1e-2
    with pytest.raises(ValueError, match=r"gradient 1 must be \(4, 3\)"):
        gradients.gradient_check(f, [A, B], [dA, dB.T])
