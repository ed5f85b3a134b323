"""The vanilla (Elman) RNN: NumPy forward and backprop through time, then PyTorch modules.

Letters used in shapes: B batch, T time, I input_size, H hidden_size (CS231n writes N for B
and D for I). Weights use torch's layout, W_xh (H, I) and W_hh (H, H), so the lecture's

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b)

reads ``h_t = tanh(x_t @ W_xh.T + h_{t-1} @ W_hh.T + b)`` on row vectors, and torch's weights
load directly (``b = b_ih + b_hh``).

Contents, top-down: the NumPy step and its backward, the sequence and BPTT built from the step;
the PyTorch step shared by ``RNNCell`` and ``RNN`` (drop-ins for torch.nn's); ``identity_init_``
(IRNN).
"""

import numpy as np
import torch
from torch import Tensor, nn

from course_lib.recurrent import Recurrence, RecurrentCell, RecurrentLayer, State

NONLINEARITIES = ("tanh", "relu")


def _check_nonlinearity(nonlinearity: str) -> None:
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def _check_shape(name: str, array: np.ndarray, expected: tuple[int, ...]) -> None:
    if np.shape(array) != expected:
        raise ValueError(f"{name} must be {expected}, got {np.shape(array)}")


def rnn_step_forward(
    x: np.ndarray,
    prev_h: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b: np.ndarray,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, tuple]:
    """Run one RNN time step in NumPy and keep what the backward pass needs.

    Inputs: x (B, I), prev_h (B, H), W_xh (H, I), W_hh (H, H), b (H,), nonlinearity "tanh" or
    "relu". Returns next_h (B, H) and a cache for :func:`rnn_step_backward`.
    """
    _check_nonlinearity(nonlinearity)
    H, I = np.shape(W_xh)
    _check_shape("W_hh", W_hh, (H, H))
    _check_shape("b", b, (H,))
    if np.ndim(x) != 2 or np.shape(x)[1] != I:
        raise ValueError(f"x must be (batch, {I}), got {np.shape(x)}")
    _check_shape("prev_h", prev_h, (np.shape(x)[0], H))
    # h_t = tanh(W_xh x_t + W_hh h_{t-1} + b)
    a = x @ W_xh.T + prev_h @ W_hh.T + b
    next_h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)
    return next_h, (x, prev_h, W_xh, W_hh, next_h, nonlinearity)


def rnn_step_backward(
    dnext_h: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagate through one RNN time step.

    Inputs: dnext_h (B, H), the gradient of the loss on next_h, and the step's cache. Returns
    (dx (B, I), dprev_h (B, H), dW_xh (H, I), dW_hh (H, H), db (H,)).
    """
    x, prev_h, W_xh, W_hh, next_h, nonlinearity = cache
    _check_shape("dnext_h", dnext_h, next_h.shape)
    # tanh'(a) = 1 - tanh(a)^2 = 1 - h_t^2; relu'(a) = [a > 0] = [h_t > 0]
    da = dnext_h * (1.0 - next_h**2) if nonlinearity == "tanh" else dnext_h * (next_h > 0)
    return da @ W_xh, da @ W_hh, da.T @ x, da.T @ prev_h, da.sum(axis=0)


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b: np.ndarray,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, list]:
    """Run the RNN over a whole sequence in NumPy, one :func:`rnn_step_forward` per step.

    Inputs: x (B, T, I), h0 (B, H), W_xh (H, I), W_hh (H, H), b (H,). Returns every hidden
    state h (B, T, H) and a cache for :func:`rnn_backward`.
    """
    H, I = np.shape(W_xh)
    if np.ndim(x) != 3 or np.shape(x)[2] != I:
        raise ValueError(f"x must be (batch, time, {I}), got {np.shape(x)}")
    B, T, _ = x.shape
    _check_shape("h0", h0, (B, H))
    h = np.empty((B, T, H), dtype=np.result_type(x, h0, W_xh))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, W_xh, W_hh, b, nonlinearity)
        h[:, t] = prev_h
        cache.append(step_cache)
    return h, cache


def rnn_backward(
    dh: np.ndarray, cache: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagate through time over the whole sequence.

    Inputs: dh (B, T, H), the upstream gradient on every hidden state, and the cache of
    :func:`rnn_forward`. Returns (dx (B, T, I), dh0 (B, H), dW_xh (H, I), dW_hh (H, H), db (H,)).
    """
    x0, _, W_xh, W_hh, h1, _ = cache[0]
    B, H = h1.shape
    _check_shape("dh", dh, (B, len(cache), H))
    dx = np.empty((B, len(cache), x0.shape[1]), dtype=dh.dtype)
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(H, dtype=dh.dtype)
    dprev_h = np.zeros((B, H), dtype=dh.dtype)
    for t in reversed(range(len(cache))):
        # h_t feeds the loss directly (dh[:, t]) and through h_{t+1} (dprev_h)
        dx[:, t], dprev_h, dW_xh_t, dW_hh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dW_xh += dW_xh_t
        dW_hh += dW_hh_t
        db += db_t
    return dx, dprev_h, dW_xh, dW_hh, db


class _RNNStep(Recurrence):
    """The Elman step, shared by :class:`RNNCell` and :class:`RNN`; it has no gates."""

    num_gates = 1

    def step(self, xp: Tensor, state: State, weight_hh_t: Tensor, bias_hh: None):
        """Advance h by one step; ``xp`` (B, H) = ``x_t W_ih^T + b_ih + b_hh``."""
        # h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), or relu in place of tanh
        a = torch.addmm(xp, state[0], weight_hh_t)
        return (torch.tanh(a) if self.nonlinearity == "tanh" else torch.relu(a),), ()


class RNNCell(_RNNStep, RecurrentCell):
    """An Elman RNN cell from primitives, a drop-in for ``torch.nn.RNNCell``.

    Parameters: weight_ih (H, I), weight_hh (H, H), bias_ih (H,), bias_hh (H,).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        _check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        """Describe the cell like torch does."""
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else f"{s}, nonlinearity={self.nonlinearity}"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """Return h' (B, H) from input (B, I) and hx (B, H); unbatched (I,), (H,) -> (H,)."""
        return self._forward(input, hx, return_gates=False)


class RNN(_RNNStep, RecurrentLayer):
    """A multi-layer Elman RNN from primitives, a drop-in for ``torch.nn.RNN``.

    Constructor as torch: ``RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh",
    bias=True, batch_first=False, dropout=0.0, bidirectional=False)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        _check_nonlinearity(nonlinearity)
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Return (output, h_n) like ``torch.nn.RNN``.

        input: (T, B, I), or (B, T, I) if batch_first, or unbatched (T, I); hx: (L*D, B, H) or
        (L*D, H), zeros if None. output: (T, B, D*H) (batch_first: (B, T, D*H); unbatched
        (T, D*H)), the last layer's h_t for every t; h_n: (L*D, B, H), every layer's final state.
        """
        return self._forward(input, hx, return_gates=False)


def identity_init_(module: nn.Module) -> nn.Module:
    """Set every recurrent weight ``weight_hh*`` to the identity and every bias to zero (IRNN).

    The lecture's Trick #2 (Le, Jaitly and Hinton, 2015); pair it with ``nonlinearity="relu"``.
    Works on course and torch ``RNN``/``RNNCell`` modules and returns the module. Gated cells
    (weight_hh of G*H rows) raise ValueError: their identity is not defined here.
    """
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.startswith("weight_hh"):
                if param.shape[0] != param.shape[1]:
                    raise ValueError(
                        f"identity_init_ needs a square {name}, got {tuple(param.shape)}: "
                        "it is meant for plain RNNs, not gated cells"
                    )
                param.copy_(torch.eye(param.shape[0], dtype=param.dtype, device=param.device))
            elif name.startswith("bias"):
                param.zero_()
    return module
