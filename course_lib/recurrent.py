"""Shared machinery that turns one cell step into torch.nn-compatible cells and layers.

Letters used in shapes: B batch, T time, I input_size, H hidden_size, G gates per cell
(RNN 1, LSTM 4, GRU 3), L num_layers, D directions (2 when bidirectional, else 1).

A concrete cell (``rnn.py``, ``lstm.py``, ``gru.py``) writes only its step, the lecture's
equations. This module does the rest once: torch's parameter names, shapes and initialisation,
shape checks, unbatched input, initial states, stacking layers, and the reverse direction,
which is the same step run over the time-reversed sequence.

Speed: the input projection ``x W_ih^T + b`` of every time step is one matmul before the loop,
which then walks ``XP.unbind(0)``. Indexing ``XP[t]`` instead would be a trap: the backward of
each slice writes a full (T, B, G*H) gradient, so the loop would grow quadratic in T.
``lstm.LSTM`` goes further and overrides :meth:`RecurrentLayer._run` with a hand-written
backward through time (``lstm_bptt``); ``make bench`` times the layers against torch's.
"""

import math
import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, nn

State = tuple[Tensor, ...]
"""A cell's state: ``(h,)`` for RNN and GRU, ``(h, c)`` for LSTM, each (B, H)."""


class Recurrence(nn.Module):
    """Base of cells and layers: what a subclass says about its cell.

    Subclasses set ``num_gates`` (G) and ``num_states`` (1 for h, 2 for LSTM's (h, c)), and
    implement :meth:`step`. A cell whose hidden bias sits inside a nonlinearity of the step
    (GRU: ``r * (W_hn h + b_hn)``) sets ``hidden_bias_in_step``; the others add ``b_hh``
    linearly, so it joins ``b_ih`` in the input projection and costs nothing per step.
    """

    num_gates: int = 1
    num_states: int = 1
    hidden_bias_in_step: bool = False

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(H), 1/sqrt(H)), as torch does."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        with torch.no_grad():
            for weight in self.parameters():
                weight.uniform_(-bound, bound)

    def project(
        self, x: Tensor, weight_ih: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> Tensor:
        """Return the input projection ``x W_ih^T + b_ih (+ b_hh)``, (..., I) -> (..., G*H)."""
        if bias_ih is None:
            bias = None
        elif self.hidden_bias_in_step:
            bias = bias_ih
        else:
            bias = bias_ih + bias_hh
        return F.linear(x, weight_ih, bias)

    def step(
        self, xp: Tensor, state: State, weight_hh_t: Tensor, bias_hh: Tensor | None
    ) -> tuple[State, tuple[Tensor, ...]]:
        """Advance one time step and return ``(new_state, gates)``.

        ``xp`` (B, G*H) is this step's input projection, ``state`` a tuple of (B, H) tensors,
        ``weight_hh_t`` is W_hh^T (H, G*H), transposed once per sequence rather than per step,
        ``bias_hh`` (G*H,) is given only when ``hidden_bias_in_step`` (else None). ``gates`` is
        the cell's named tuple of (B, H) activations, or ``()`` for a cell without gates.
        """
        raise NotImplementedError

    def _read_hx(self, hx: Tensor | State | None, expected: tuple[int, ...], like: Tensor) -> State:
        """Return hx as a tuple of ``num_states`` tensors of shape ``expected`` (zeros if None)."""
        if hx is None:
            return tuple(like.new_zeros(expected) for _ in range(self.num_states))
        if self.num_states == 1:
            states, names = (hx,), ("hx",)
        else:
            if not isinstance(hx, tuple | list) or len(hx) != self.num_states:
                raise ValueError(f"hx must be a tuple (h_0, c_0) of {expected} tensors")
            states, names = tuple(hx), ("h_0", "c_0")
        for name, state in zip(names, states, strict=True):
            if not isinstance(state, Tensor) or tuple(state.shape) != expected:
                got = tuple(state.shape) if isinstance(state, Tensor) else type(state).__name__
                raise ValueError(f"{name} must be {expected}, got {got}")
            if state.dtype != like.dtype:
                raise ValueError(
                    f"{name} must have the input's dtype {like.dtype}, got {state.dtype}"
                )
        return states


class RecurrentCell(Recurrence):
    """One time step as a module, a drop-in for ``torch.nn.RNNCell``/``LSTMCell``/``GRUCell``.

    Parameters as torch: ``weight_ih`` (G*H, I), ``weight_hh`` (G*H, H), ``bias_ih`` and
    ``bias_hh`` (G*H,), all uniform in ±1/sqrt(H) at init.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = self.num_gates * hidden_size
        factory = {"device": device, "dtype": dtype}
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(rows, **factory))
            self.bias_hh = nn.Parameter(torch.empty(rows, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        """Describe the cell like torch does."""
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def _forward(self, input: Tensor, hx, return_gates: bool):
        """Run one step on input (B, I) or unbatched (I,); see the subclasses' ``forward``."""
        if input.dim() not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"input must be (batch, {self.input_size}) or ({self.input_size},), "
                f"got {tuple(input.shape)}"
            )
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        expected = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        state = self._read_hx(hx, expected, x)
        if not batched:
            state = tuple(s.unsqueeze(0) for s in state)
        bias_hh = self.bias_hh if self.hidden_bias_in_step else None
        xp = self.project(x, self.weight_ih, self.bias_ih, self.bias_hh)
        state, gates = self.step(xp, state, self.weight_hh.t(), bias_hh)
        if not batched:
            state = tuple(s.squeeze(0) for s in state)
            gates = type(gates)._make(g.squeeze(0) for g in gates) if gates else gates
        out = state[0] if self.num_states == 1 else state
        return (out, gates) if return_gates else out


class RecurrentLayer(Recurrence):
    """A multi-layer, optionally bidirectional recurrent layer, mirroring ``torch.nn.RNNBase``.

    Parameters per layer k and direction as torch: ``weight_ih_l{k}{_reverse}`` (G*H, I for
    k = 0, else D*H), ``weight_hh_l{k}{_reverse}`` (G*H, H), ``bias_ih_l{k}{_reverse}`` and
    ``bias_hh_l{k}{_reverse}`` (G*H,), so ``load_state_dict`` works with torch's modules both
    ways. ``dropout`` acts as torch's: on the outputs of every layer but the last, in training
    only (its random masks differ from torch's). PackedSequence input is not supported.
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
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"dropout must be a number in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout acts between layers, so it has no effect with num_layers=1",
                stacklevel=2,
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        rows = self.num_gates * hidden_size
        factory = {"device": device, "dtype": dtype}
        self._weight_names: list[tuple[str, str, str, str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for direction in range(self.num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                names = tuple(f"{kind}{suffix}" for kind in ("weight_ih", "weight_hh"))
                shapes = [(rows, layer_input), (rows, hidden_size)]
                if bias:
                    names += tuple(f"{kind}{suffix}" for kind in ("bias_ih", "bias_hh"))
                    shapes += [(rows,), (rows,)]
                for name, shape in zip(names, shapes, strict=True):
                    self.register_parameter(name, nn.Parameter(torch.empty(shape, **factory)))
                self._weight_names.append(names)
        self.reset_parameters()

    def extra_repr(self) -> str:
        """Describe the layer like torch does."""
        defaults = (
            ("num_layers", 1),
            ("bias", True),
            ("batch_first", False),
            ("dropout", 0.0),
            ("bidirectional", False),
        )
        changed = [
            f", {name}={getattr(self, name)}" for name, d in defaults if getattr(self, name) != d
        ]
        return f"{self.input_size}, {self.hidden_size}" + "".join(changed)

    def _weights(self, k: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """Return (W_ih, W_hh, b_ih, b_hh) of layer-direction k = layer * D + direction."""
        w_ih, w_hh, *biases = (self._parameters[name] for name in self._weight_names[k])
        b_ih, b_hh = biases if biases else (None, None)
        return w_ih, w_hh, b_ih, b_hh

    def _forward(self, input: Tensor, hx, return_gates: bool):
        """Run all layers; see the subclasses' ``forward`` for shapes and returns."""
        if not isinstance(input, Tensor):
            raise TypeError(
                f"input must be a tensor (no PackedSequence), got {type(input).__name__}"
            )
        I, H = self.input_size, self.hidden_size
        LD = self.num_layers * self.num_directions
        if input.dim() not in (2, 3) or input.shape[-1] != I:
            batched_shape = f"(batch, time, {I})" if self.batch_first else f"(time, batch, {I})"
            raise ValueError(
                f"input must be {batched_shape} or (time, {I}), got {tuple(input.shape)}"
            )
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)  # (B, T, I) -> (T, B, I)
        if x.shape[0] == 0:
            raise ValueError(f"input must have at least one time step, got {tuple(input.shape)}")
        B = x.shape[1]
        state = self._read_hx(hx, (LD, B, H) if batched else (LD, H), x)
        if not batched:
            state = tuple(s.unsqueeze(1) for s in state)

        finals: list[State] = []
        layer_gates: list[tuple[Tensor, ...]] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                start = tuple(s[k] for s in state)
                h, final, gates = self._run(x, start, k, direction == 1, return_gates)
                outputs.append(h)
                finals.append(final)
                if return_gates:
                    layer_gates.append(gates)
            x = torch.cat(outputs, dim=2) if self.bidirectional else outputs[0]  # (T, B, D*H)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)

        output = x if batched else x.squeeze(1)
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        h_n = tuple(torch.stack(s, dim=0) for s in zip(*finals, strict=True))  # each (L*D, B, H)
        if not batched:
            h_n = tuple(s.squeeze(1) for s in h_n)
        result = (output, h_n[0] if self.num_states == 1 else h_n)
        if not return_gates:
            return result
        # each gate (L*D, T, B, H), laid out like output: (L*D, B, T, H) when batch_first
        gates = type(layer_gates[0])._make(torch.stack(g) for g in zip(*layer_gates, strict=True))
        if not batched:
            gates = type(gates)._make(g.squeeze(2) for g in gates)
        elif self.batch_first:
            gates = type(gates)._make(g.transpose(1, 2) for g in gates)
        return (*result, gates)

    def _run(self, x: Tensor, state: State, k: int, reverse: bool, return_gates: bool):
        """Run layer-direction k over x (T, B, I_k); return outputs (T, B, H), final state, gates.

        Gates (each (T, B, H)) are stacked only when ``return_gates``; otherwise None.
        The reverse direction visits the steps from last to first and stores each output at its
        own time index, which is exactly the same cell run over the time-reversed sequence.
        """
        w_ih, w_hh, b_ih, b_hh = self._weights(k)
        steps = self.project(x, w_ih, b_ih, b_hh).unbind(0)  # T tensors (B, G*H), one matmul
        w_hh_t = w_hh.t()  # once here: a .t() per step costs a node and a strided gradient add
        step_bias = b_hh if self.hidden_bias_in_step else None
        T = len(steps)
        hs: list[Tensor] = [None] * T
        gates: list[tuple[Tensor, ...]] = [None] * T
        for t in reversed(range(T)) if reverse else range(T):
            state, gates[t] = self.step(steps[t], state, w_hh_t, step_bias)
            hs[t] = state[0]
        if not return_gates:
            return torch.stack(hs), state, None
        stacked = type(gates[0])._make(torch.stack(g) for g in zip(*gates, strict=True))
        return torch.stack(hs), state, stacked
