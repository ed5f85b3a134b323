"""Exercises of notebook 02 (RNN): one NumPy step and its backward pass."""

from __future__ import annotations

import numpy as np

from .spec import Exercise, register


def _step_inputs(rng: np.random.Generator):
    """x (B, I), prev_h (B, H), W_xh (H, I), W_hh (H, H), b (H,) with I != H so transposes show."""
    B, I = int(rng.integers(2, 6)), int(rng.integers(3, 8))
    H = I + int(rng.integers(1, 4))
    return (
        rng.normal(size=(B, I)),
        rng.normal(size=(B, H)),
        rng.normal(0, 0.5, (H, I)),
        rng.normal(0, 0.5, (H, H)),
        rng.normal(0, 0.5, H),
    )


def rnn_step_reference(x, prev_h, W_xh, W_hh, b):
    """h_t = tanh(W_xh x_t + W_hh h_{t-1} + b) on row vectors: (B, H)."""
    return np.tanh(x @ W_xh.T + prev_h @ W_hh.T + b)


def _step_backward_inputs(rng: np.random.Generator):
    x, prev_h, W_xh, W_hh, b = _step_inputs(rng)
    next_h = rnn_step_reference(x, prev_h, W_xh, W_hh, b)
    return rng.normal(size=next_h.shape), x, prev_h, W_xh, W_hh, next_h


def rnn_step_backward_reference(dnext_h, x, prev_h, W_xh, W_hh, next_h):
    """(dx (B, I), dprev_h (B, H), dW_xh (H, I), dW_hh (H, H), db (H,)) of one tanh step."""
    da = dnext_h * (1.0 - next_h**2)
    return da @ W_xh, da @ W_hh, da.T @ x, da.T @ prev_h, da.sum(axis=0)


register(
    Exercise(
        name="rnn_step",
        points=2,
        reference=rnn_step_reference,
        make_inputs=_step_inputs,
        arg_names=("x", "prev_h", "W_xh", "W_hh", "b"),
        mistakes=(
            (
                lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh + b),
                "did you multiply by W_hh instead of its transpose? Rows are examples, so use prev_h @ W_hh.T.",
            ),
            (
                lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T + b,
                "the step ends with tanh: h_t = tanh(...).",
            ),
            (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T), "do not forget the bias b."),
            (
                lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + b),
                "the previous state prev_h must enter through W_hh.",
            ),
        ),
    )
)

register(
    Exercise(
        name="rnn_step_backward",
        points=3,
        reference=rnn_step_backward_reference,
        make_inputs=_step_backward_inputs,
        arg_names=("dnext_h", "x", "prev_h", "W_xh", "W_hh", "next_h"),
        mistakes=(
            (
                lambda d, x, h, Wx, Wh, nh: rnn_step_backward_reference(
                    d / (1.0 - nh**2), x, h, Wx, Wh, nh
                ),
                "multiply dnext_h by tanh'(a) = 1 - next_h**2 before anything else.",
            ),
            (
                lambda d, x, h, Wx, Wh, nh: rnn_step_backward_reference(
                    d * (1.0 - np.tanh(nh) ** 2) / (1.0 - nh**2), x, h, Wx, Wh, nh
                ),
                "next_h is already tanh(a): tanh'(a) = 1 - next_h**2, not 1 - tanh(next_h)**2.",
            ),
            (
                lambda d, x, h, Wx, Wh, nh: (lambda g: (g[0], g[1], g[2], g[3].T, g[4]))(
                    rnn_step_backward_reference(d, x, h, Wx, Wh, nh)
                ),
                "dW_hh is da.T @ prev_h (H, H), not its transpose prev_h.T @ da.",
            ),
        ),
    )
)
