"""The LSTM from primitives: the step, ``LSTMCell`` and ``LSTM`` (drop-ins for torch.nn's).

Letters used in shapes: B batch, T time, I input_size, H hidden_size, L num_layers,
D directions (2 when bidirectional, else 1). Gate order as torch: i, f, g, o, so the packed
weights are weight_ih (4H, I) and weight_hh (4H, H), and torch's weights load directly.

Course extra: ``return_gates=True`` also returns the gate activations i, f, g, o and the cell
state c from the same step that computes the output, for plotting.
"""

from typing import NamedTuple

import torch
from torch import Tensor, nn

from course_lib.recurrent import Recurrence, RecurrentCell, RecurrentLayer, State


class LSTMGates(NamedTuple):
    """Gate activations of an LSTM: input i, forget f, candidate g, output o, and cell state c.

    Each field is (B, H) for a cell step; a layer stacks them as (L*D, T, B, H).
    """

    i: Tensor
    f: Tensor
    g: Tensor
    o: Tensor
    c: Tensor


class _LSTMStep(Recurrence):
    """The LSTM step, shared by :class:`LSTMCell` and :class:`LSTM`; the state is (h, c)."""

    num_gates = 4
    num_states = 2

    def step(self, xp: Tensor, state: State, weight_hh_t: Tensor, bias_hh: None):
        """Advance (h, c) by one step; ``xp`` (B, 4H) = ``x_t W_ih^T + b_ih + b_hh``."""
        h, c = state
        # [i; f; g; o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh, one matmul for the four gates
        i, f, g, o = torch.addmm(xp, h, weight_hh_t).chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        # c_t = f * c_{t-1} + i * g
        c = f * c + i * g
        # h_t = o * tanh(c_t)
        h = o * torch.tanh(c)
        return (h, c), LSTMGates(i, f, g, o, c)


class LSTMCell(_LSTMStep, RecurrentCell):
    """An LSTM cell from primitives, a drop-in for ``torch.nn.LSTMCell``.

    Parameters: weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,).
    """

    def forward(
        self,
        input: Tensor,
        hx: tuple[Tensor, Tensor] | None = None,
        return_gates: bool = False,
    ):
        """Return (h', c') from input (B, I) and hx = (h, c), each (B, H), zeros if None.

        Unbatched: input (I,), h and c (H,). With ``return_gates=True`` return
        ((h', c'), LSTMGates) instead, each gate shaped like h'.
        """
        return self._forward(input, hx, return_gates)


class LSTM(_LSTMStep, RecurrentLayer):
    """A multi-layer LSTM from primitives, a drop-in for ``torch.nn.LSTM``.

    Constructor as torch: ``LSTM(input_size, hidden_size, num_layers=1, bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, proj_size=0)``; a nonzero
    ``proj_size`` raises ValueError (projections are not part of the course).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        if proj_size != 0:
            raise ValueError(f"proj_size is not supported by the course LSTM, got {proj_size}")
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
        self.proj_size = 0

    def forward(
        self,
        input: Tensor,
        hx: tuple[Tensor, Tensor] | None = None,
        return_gates: bool = False,
    ):
        """Return (output, (h_n, c_n)) like ``torch.nn.LSTM``.

        input: (T, B, I), or (B, T, I) if batch_first, or unbatched (T, I); hx = (h_0, c_0),
        each (L*D, B, H) or unbatched (L*D, H), zeros if None. output: (T, B, D*H)
        (batch_first: (B, T, D*H); unbatched (T, D*H)); h_n and c_n: (L*D, B, H).
        With ``return_gates=True`` also return LSTMGates, each (L*D, T, B, H) ((L*D, B, T, H)
        if batch_first, (L*D, T, H) unbatched): ``gates.f[0]`` is layer 0's forget gate.
        """
        return self._forward(input, hx, return_gates)


def set_forget_bias_(lstm: nn.Module, value: float = 1.0) -> nn.Module:
    """Make the forget gate's total bias ``b_if + b_hf`` equal ``value`` in every layer.

    The usual trick (Jozefowicz et al., 2015): with value 1, f starts near sigmoid(1) = 0.73
    and the cell state carries gradient further back at init. Sets the f rows (H..2H) of
    every ``bias_ih*`` to value and of every ``bias_hh*`` to 0; works on course and torch
    ``LSTM``/``LSTMCell`` modules and returns the module.
    """
    biases = [(n, p) for n, p in lstm.named_parameters() if n.startswith(("bias_ih", "bias_hh"))]
    if not biases:
        raise ValueError("set_forget_bias_ needs an LSTM with biases (bias=True)")
    with torch.no_grad():
        for name, bias in biases:
            H = bias.shape[0] // 4
            bias[H : 2 * H] = value if name.startswith("bias_ih") else 0.0
    return lstm
