"""LSTM layer with backpropagation through time written by hand: the fast path of ``lstm.LSTM``.

Letters used in shapes: T time, B batch, I input_size, H hidden_size. One layer-direction runs
over a whole sequence: x (T, B, I) with the initial states h0, c0 (B, H) gives the outputs
h (T, B, H), the final states h_n, c_n (B, H), and, for looking inside, the gates (T, B, 4H)
packed as [i, f, g, o] (torch's order) and the cell states c (T, B, H).

The forward runs the equations of ``lstm._LSTMStep.step`` (the lecture's, which ``LSTMCell``
runs under autograd), written into preallocated buffers instead of fresh tensors; the backward
is the textbook LSTM backward through time, as ``rnn.rnn_backward`` is for the tanh RNN.
``tests/test_lstm.py`` proves this layer equal to the step looped under autograd, values and
every gradient, in float64 and float32 (``test_lstm_fast_path_equals_the_step_under_autograd``).
"""

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable


def reading_order(T: int, reverse: bool) -> range:
    """The time steps in the order a direction reads them: 0..T-1, or T-1..0 if ``reverse``."""
    return range(T - 1, -1, -1) if reverse else range(T)


def after_and_before(states: Tensor, reverse: bool) -> tuple[Tensor, Tensor]:
    """Split a (T+1, B, H) state buffer into views (after, before), each (T, B, H).

    Step t reads ``before[t]`` (h_{t-1}) and writes ``after[t]`` (h_t). Reading forward, slot 0
    holds the initial state and step t writes slot t+1; in reverse, slot T holds it and step t
    writes slot t. So ``after`` is also the layer's output, in time order, with no copy.
    """
    return (states[:-1], states[1:]) if reverse else (states[1:], states[:-1])


class LSTMLayerFunction(torch.autograd.Function):
    """One LSTM layer-direction over a whole sequence, with backpropagation through time by hand.

    What oneDNN and cuDNN do for ``torch.nn.LSTM``: the forward runs the step's equations
    without recording a graph and keeps the activations; the backward walks the steps in
    reverse with the textbook LSTM derivatives. Autograd sees one node instead of about ten per
    step, the backward does one matmul per step (for ∂L/∂h_{t-1}), and each weight's gradient,
    a sum over the steps, is one matmul.

    Memory sets the speed as much as arithmetic: a fresh tensor for every intermediate costs an
    allocation and page faults at every step, so the input projection is written into the
    gates' buffer, the local derivatives into the buffer that becomes ∂L/∂a, and the backward
    works in place. Not twice differentiable.
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
        # each buffer's per-step views, made once: gates_at[t] is (B, 4H), the others (B, H)
        gates_at, h_at, c_at, tanh_c_at = (v.unbind(0) for v in (gates, h, c, tanh_c))
        i_at, f_at, g_at, o_at = (gate.unbind(0) for gate in gates.split(H, dim=2))
        a = x.new_empty(B, 4 * H)
        a_g = a[:, 2 * H : 3 * H]
        weight_hh_t = weight_hh.t()
        for t in order:
            # a = [a_i, a_f, a_g, a_o] = x_t W_ih^T + b + h_{t-1} W_hh^T
            torch.addmm(gates_at[t], h_prev, weight_hh_t, out=a)
            # i, f, o = σ(a_i), σ(a_f), σ(a_o): one call for all four, then g's slot is replaced
            torch.sigmoid(a, out=gates_at[t])
            # g = tanh(a_g)
            torch.tanh(a_g, out=g_at[t])
            # c_t = f * c_{t-1} + i * g
            torch.addcmul(f_at[t] * c_prev, i_at[t], g_at[t], out=c_at[t])
            # h_t = o * tanh(c_t)
            torch.tanh(c_at[t], out=tanh_c_at[t])
            torch.mul(o_at[t], tanh_c_at[t], out=h_at[t])
            h_prev, c_prev = h_at[t], c_at[t]
        ctx.reverse = reverse
        ctx.save_for_backward(x_rows, weight_ih, weight_hh, h_states, c_states, gates, tanh_c)
        ctx.mark_non_differentiable(gates, c)
        ctx.set_materialize_grads(False)
        last = order[-1]
        return h, h_at[last].clone(), c_at[last].clone(), gates, c

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
        grad_h_at = grad_h.unbind(0) if grad_h is not None else (zeros,) * T
        # dh = ∂L/∂h_t and dc = ∂L/∂c_t, starting from the last step read
        dh = grad_h_at[order[-1]] if grad_h_n is None else grad_h_at[order[-1]] + grad_h_n
        dc = zeros if grad_c_n is None else grad_c_n
        da_at, dh_dc_at, f_at = (v.unbind(0) for v in (da, dh_dc, f))
        for n in reversed(range(T)):
            t = order[n]
            # dc_t: through c_{t+1} (carried in dc) and through h_t = o * tanh(c_t)
            dc = torch.addcmul(dc, dh, dh_dc_at[t])
            # da_t = [dc_t, dc_t, dc_t, dh_t] ⊙ the local derivatives
            da_at[t].mul_(torch.cat([dc, dc, dc, dh], dim=1))
            # dh_{t-1}: from the output (none for h_0) and through a_t = ... + h_{t-1} W_hh^T
            dh = torch.addmm(grad_h_at[order[n - 1]] if n else zeros, da_at[t], weight_hh)
            # dc_{t-1}: through c_t = f * c_{t-1} + i * g
            dc = dc * f_at[t]

        # each weight serves every step, so its gradient sums over the steps: one matmul each
        da_rows = da.view(T * B, G)
        needs = ctx.needs_input_grad
        grad_x = (da_rows @ weight_ih).view(T, B, -1) if needs[0] else None
        # da^T x computed as (x^T da)^T: the product's rows are then 4H long rather than I long,
        # and the matrix multiply runs much faster along long rows when the input size I is small
        grad_weight_ih = (x_rows.t() @ da_rows).t() if needs[3] else None
        grad_weight_hh = da_rows.t() @ h_prev.reshape(T * B, H) if needs[4] else None
        grad_bias = da_rows.sum(0) if needs[5] else None
        return grad_x, dh, dc, grad_weight_ih, grad_weight_hh, grad_bias, None
