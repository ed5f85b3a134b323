"""The LSTM from primitives: the step, ``LSTMCell`` and ``LSTM`` (drop-ins for torch.nn's).

Letters used in shapes: B batch, T time, I input_size, H hidden_size, L num_layers,
D directions (2 when bidirectional, else 1). Gate order as torch: i, f, g, o, so the packed
weights are weight_ih (4H, I) and weight_hh (4H, H), and torch's weights load directly.

Contents, top-down: the step (the lecture's equations, run by ``LSTMCell`` under autograd);
one layer-direction over a whole sequence with backpropagation through time written by hand
(what ``LSTM`` runs); ``LSTMCell``, ``LSTM``; ``set_forget_bias_``; ``state_grad_norms``
(‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ over time, notebook 06).

Course extra: ``return_gates=True`` also returns the gate activations i, f, g, o and the cell
state c from the same computation that produces the output, for plotting.
"""

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from course_lib.recurrent import (
    Recurrence,
    RecurrentCell,
    RecurrentLayer,
    State,
    after_and_before,
    reading_order,
)


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
    """The LSTM step, run under autograd by :class:`LSTMCell`; the state is (h, c).

    :class:`LSTM` runs the same equations over a whole sequence in :class:`_LSTMLayerFunction`.
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


class _LSTMLayerFunction(torch.autograd.Function):
    """One LSTM layer-direction over a whole sequence, with backpropagation through time by hand.

    What oneDNN and cuDNN do for ``torch.nn.LSTM``: the forward runs the step's equations
    without recording a graph and keeps the activations; the backward walks the steps in
    reverse with the textbook LSTM derivatives (as ``rnn.rnn_backward`` does for the tanh RNN).
    Autograd sees one node instead of about ten per step, the backward does one matmul per
    step (for ∂L/∂h_{t-1}), and each weight's gradient, a sum over the steps, is one matmul.

    Memory sets the speed as much as arithmetic: fresh memory costs page faults (a version with
    a new tensor for every intermediate was 1.1-1.4x slower here), so the input projection
    is written into the gates' buffer, the local derivatives into the buffer that becomes
    ∂L/∂a, and the backward works in place. Not twice differentiable.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, weight_ih, weight_hh, bias, reverse):
        """Run the steps in reading order (last to first if ``reverse``).

        x (T, B, I); h0, c0 (B, H); weight_ih (4H, I); weight_hh (4H, H); bias (4H,), the sum
        b_ih + b_hh, or None. Returns h (T, B, H) in time order, h_n and c_n (B, H), and, without
        gradients, the gates (T, B, 4H) = [i, f, g, o] and the cell states c (T, B, H).
        """
        T, B, I = x.shape
        H = h0.shape[1]
        x_rows = x.reshape(T * B, I)
        # x_t W_ih^T + b for every t at once, one matmul, into the buffer the gates will fill
        gates = x.new_empty(T, B, 4 * H)
        if bias is None:
            torch.mm(x_rows, weight_ih.t(), out=gates.view(T * B, 4 * H))
        else:
            torch.addmm(bias, x_rows, weight_ih.t(), out=gates.view(T * B, 4 * H))
        tanh_c = x.new_empty(T, B, H)
        h_states, c_states = x.new_empty(2, T + 1, B, H)
        h, h_before = after_and_before(h_states, reverse)
        c, c_before = after_and_before(c_states, reverse)
        order = reading_order(T, reverse)
        h_prev, c_prev = h_before[order[0]], c_before[order[0]]  # the slots of h_0 and c_0
        h_prev.copy_(h0)
        c_prev.copy_(c0)
        # each buffer's per-step views, made once
        gates_, h_, c_, tanh_c_ = (v.unbind(0) for v in (gates, h, c, tanh_c))
        i, f, g, o = (gate.unbind(0) for gate in gates.split(H, dim=2))
        a = x.new_empty(B, 4 * H)
        a_g = a[:, 2 * H : 3 * H]
        weight_hh_t = weight_hh.t()
        for t in order:
            # a = [a_i, a_f, a_g, a_o] = x_t W_ih^T + b + h_{t-1} W_hh^T
            torch.addmm(gates_[t], h_prev, weight_hh_t, out=a)
            # i, f, o = σ(a_i), σ(a_f), σ(a_o): one call for all four, then g's slot is replaced
            torch.sigmoid(a, out=gates_[t])
            # g = tanh(a_g)
            torch.tanh(a_g, out=g[t])
            # c_t = f * c_{t-1} + i * g
            torch.addcmul(f[t] * c_prev, i[t], g[t], out=c_[t])
            # h_t = o * tanh(c_t)
            torch.tanh(c_[t], out=tanh_c_[t])
            torch.mul(o[t], tanh_c_[t], out=h_[t])
            h_prev, c_prev = h_[t], c_[t]
        ctx.reverse = reverse
        ctx.save_for_backward(x_rows, weight_ih, weight_hh, h_states, c_states, gates, tanh_c)
        ctx.mark_non_differentiable(gates, c)
        ctx.set_materialize_grads(False)
        last = order[-1]
        return h, h_[last].clone(), c_[last].clone(), gates, c

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h, grad_h_n, grad_c_n, _grad_gates, _grad_c):
        """Return the gradients of x, h0, c0, weight_ih, weight_hh and bias from those of h,
        h_n and c_n (each None if unused); shapes as in :meth:`forward`."""
        x_rows, weight_ih, weight_hh, h_states, c_states, gates, tanh_c = ctx.saved_tensors
        T, B, G = gates.shape
        H = G // 4
        _, h_prev = after_and_before(h_states, ctx.reverse)
        _, c_prev = after_and_before(c_states, ctx.reverse)
        i, f, g, o = gates.split(H, dim=2)
        # Local derivatives of every step at once, with σ' = σ - σ² and tanh' = 1 - tanh²:
        # ∂c_t/∂a_i = g σ'(a_i), ∂c_t/∂a_f = c_{t-1} σ'(a_f), ∂c_t/∂a_g = i tanh'(a_g),
        # ∂h_t/∂a_o = tanh(c_t) σ'(a_o). Written into da (T, B, 4H), which the loop turns
        # into ∂L/∂a in place; addcmul(x, y, z, value=-1) is x - y * z without a temporary.
        da = torch.empty_like(gates)
        da_i, da_f, da_g, da_o = da.split(H, dim=2)
        torch.addcmul(i, i, i, value=-1, out=da_i).mul_(g)
        torch.addcmul(f, f, f, value=-1, out=da_f).mul_(c_prev)
        torch.addcmul(i, i, torch.mul(g, g, out=da_g), value=-1, out=da_g)
        torch.addcmul(o, o, o, value=-1, out=da_o).mul_(tanh_c)
        # ∂h_t/∂c_t = o tanh'(c_t) = o - o tanh²(c_t)
        dh_dc = tanh_c * tanh_c
        torch.addcmul(o, o, dh_dc, value=-1, out=dh_dc)

        order = reading_order(T, ctx.reverse)
        zeros = h_states.new_zeros(B, H)
        grad_h_ = grad_h.unbind(0) if grad_h is not None else (zeros,) * T
        # dh = ∂L/∂h_t and dc = ∂L/∂c_t, starting from the last step read
        dh = grad_h_[order[-1]] if grad_h_n is None else grad_h_[order[-1]] + grad_h_n
        dc = zeros if grad_c_n is None else grad_c_n
        da_, dh_dc_, f_ = (v.unbind(0) for v in (da, dh_dc, f))
        for n in reversed(range(T)):
            t = order[n]
            # dc_t: through c_{t+1} (carried in dc) and through h_t = o * tanh(c_t)
            dc = torch.addcmul(dc, dh, dh_dc_[t])
            # da_t = [dc_t, dc_t, dc_t, dh_t] ⊙ the local derivatives
            da_[t].mul_(torch.cat([dc, dc, dc, dh], dim=1))
            # dh_{t-1}: from the output (none for h_0) and through a_t = ... + h_{t-1} W_hh^T
            dh = torch.addmm(grad_h_[order[n - 1]] if n else zeros, da_[t], weight_hh)
            # dc_{t-1}: through c_t = f * c_{t-1} + i * g
            dc = dc * f_[t]

        # each weight serves every step, so its gradient sums over the steps: one matmul each
        da_rows = da.view(T * B, G)
        needs = ctx.needs_input_grad
        grad_x = (da_rows @ weight_ih).view(T, B, -1) if needs[0] else None
        # (x^T da)^T equals da^T x, and is several times faster for a small input size I
        grad_weight_ih = (x_rows.t() @ da_rows).t() if needs[3] else None
        grad_weight_hh = da_rows.t() @ h_prev.reshape(T * B, H) if needs[4] else None
        grad_bias = da_rows.sum(0) if needs[5] else None
        return grad_x, dh, dc, grad_weight_ih, grad_weight_hh, grad_bias, None


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
        if batch_first, (L*D, T, H) unbatched): ``gates.f[0]`` is layer 0's forget gate. The
        gates are for looking inside and carry no gradient; the output does.
        """
        return self._forward(input, hx, return_gates)

    def _run(self, x: Tensor, state: State, k: int, reverse: bool, return_gates: bool):
        """Run layer-direction k over x (T, B, I_k) as one :class:`_LSTMLayerFunction`.

        Returns outputs (T, B, H), the final (h, c), and LSTMGates (each (T, B, H), without
        gradients) if ``return_gates``, else None.
        """
        w_ih, w_hh, b_ih, b_hh = self._weights(k)
        bias = None if b_ih is None else b_ih + b_hh
        h, h_n, c_n, gates, c = _LSTMLayerFunction.apply(x, *state, w_ih, w_hh, bias, reverse)
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
