"""The LSTM from primitives: the step, ``LSTMCell`` and ``LSTM`` (drop-ins for torch.nn's).

Letters used in shapes: B batch, T time, I input_size, H hidden_size, L num_layers,
D directions (2 when bidirectional, else 1). Gate order as torch: i, f, g, o, so the packed
weights are weight_ih (4H, I) and weight_hh (4H, H), and torch's weights load directly.

Contents, top-down: the gates' named tuple; the step (the lecture's equations); ``LSTMCell``,
which runs the step under autograd; ``LSTM``, which runs the same equations over a whole
sequence in ``lstm_bptt`` (backpropagation through time written by hand, its fast path);
``set_forget_bias_``; ``state_grad_norms`` (‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ over time, notebook 06).

Course extra: ``return_gates=True`` also returns the gate activations i, f, g, o and the cell
state c from the same computation that produces the output, for plotting.
"""

from typing import NamedTuple

import torch
from torch import Tensor, nn

from course_lib.lstm_bptt import LSTMLayerFunction
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
    """The LSTM step, the lecture's equations, run under autograd by :class:`LSTMCell`.

    The state is (h, c). :class:`LSTM` runs the same equations over a whole sequence in
    ``lstm_bptt.LSTMLayerFunction``, with their backward written by hand; ``tests/test_lstm.py``
    (``test_lstm_fast_path_equals_the_step_under_autograd``) proves the two equal, outputs,
    states, gates and every gradient, against this step looped under autograd.
    """

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

    Which code runs: not the step above under autograd, but its fast path,
    ``lstm_bptt.LSTMLayerFunction``, once per layer and direction. It runs the step's equations
    into preallocated buffers and does backpropagation through time by hand, as torch's own
    LSTM kernels do. Why: autograd through the step records about ten graph nodes and
    allocates fresh tensors at every time step, which leaves it far slower than
    ``torch.nn.LSTM``; ``make bench`` prints the ratios. The tests prove both paths give the
    same outputs, states, gates and gradients (float64 and float32); :class:`LSTMCell` and
    ``state_grad_norms`` run the step itself.
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
        With ``return_gates=True`` return (output, (h_n, c_n), LSTMGates), each field
        (L*D, T, B, H) ((L*D, B, T, H) if batch_first, (L*D, T, H) unbatched), the same layout
        as ``gru.GRU``'s GRUGates plus the cell state c: ``gates.f[0]`` is layer 0's forget gate.
        Unlike GRU's, these gates carry no gradient (the hand-written backward takes gradients
        only from output, h_n and c_n): they are for looking inside; the output has gradient.
        """
        return self._forward(input, hx, return_gates)

    def _run(self, x: Tensor, state: State, k: int, reverse: bool, return_gates: bool):
        """Run layer-direction k over x (T, B, I_k) as one ``lstm_bptt.LSTMLayerFunction``.

        Returns outputs (T, B, H), the final (h, c), and LSTMGates (each (T, B, H), without
        gradients) if ``return_gates``, else None.
        """
        w_ih, w_hh, b_ih, b_hh = self._weights(k)
        bias = None if b_ih is None else b_ih + b_hh
        h, h_n, c_n, gates, c = LSTMLayerFunction.apply(x, *state, w_ih, w_hh, bias, reverse)
        if not return_gates:
            return h, (h_n, c_n), None
        return h, (h_n, c_n), LSTMGates(*gates.split(self.hidden_size, dim=2), c)


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


def state_grad_norms(cell: nn.Module, x: Tensor) -> tuple[Tensor, Tensor]:
    """Return ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ for t = 1..T, each a (T,) tensor; L = h_T.sum().

    Runs an LSTM ``cell`` (course or torch ``LSTMCell``) step by step over x (B, T, I) from zero
    states. Each norm is over the batch and hidden units of a total derivative through the
    recurrence: ∂L/∂c_t counts every path from c_t to L, along the cell states (the additive
    path, ∂c_{t+1}/∂c_t = diag(f_{t+1})) and through h_t = o_t * tanh(c_t); ∂L/∂h_t counts the
    paths from h_t, which all enter the next step's gates through W_hh. Measure in float64
    (``cell.double()``): far back the norms fall below what float32's ``norm()`` can square.
    """
    if x.dim() != 3 or x.shape[2] != cell.input_size:
        raise ValueError(f"x must be (batch, time, {cell.input_size}), got {tuple(x.shape)}")
    with torch.enable_grad():
        # an input that requires grad puts every state on the graph, even with frozen weights
        x = x.detach().requires_grad_(True)
        h = c = x.new_zeros(x.shape[0], cell.hidden_size)
        hs, cs = [], []
        for x_t in x.unbind(1):
            h, c = cell(x_t, (h, c))
            hs.append(h)
            cs.append(c)
        grads = torch.autograd.grad(hs[-1].sum(), hs + cs)
    norms = torch.stack([g.norm() for g in grads])
    return norms[: len(hs)], norms[len(hs) :]
