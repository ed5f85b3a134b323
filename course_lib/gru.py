"""The GRU from primitives: the step, ``GRUCell`` and ``GRU`` (drop-ins for torch.nn's).

Letters used in shapes: B batch, T time, I input_size, H hidden_size, L num_layers,
D directions (2 when bidirectional, else 1). Gate order as torch: r, z, n, so the packed
weights are weight_ih (3H, I) and weight_hh (3H, H), and the reset gate multiplies
``W_hn h + b_hn`` (torch's and cuDNN's form, not the paper's ``W_hn (r * h)``).

Course extra: ``return_gates=True`` also returns the activations r, z and n from the same step
that computes the output, for plotting.
"""

from typing import NamedTuple

import torch
from torch import Tensor

from course_lib.recurrent import Recurrence, RecurrentCell, RecurrentLayer, State


class GRUGates(NamedTuple):
    """Gate activations of a GRU: reset r, update z, and candidate n.

    Each field is (B, H) for a cell step; a layer stacks them as (L*D, T, B, H).
    """

    r: Tensor
    z: Tensor
    n: Tensor


class _GRUStep(Recurrence):
    """The GRU step, shared by :class:`GRUCell` and :class:`GRU`.

    ``b_hh`` stays inside the step (``hidden_bias_in_step``) because r multiplies ``b_hn``.
    """

    num_gates = 3
    hidden_bias_in_step = True

    def step(self, xp: Tensor, state: State, weight_hh_t: Tensor, bias_hh: Tensor | None):
        """Advance h by one step; ``xp`` (B, 3H) = ``x_t W_ih^T + b_ih``."""
        h = state[0]
        hp = h @ weight_hh_t if bias_hh is None else torch.addmm(bias_hh, h, weight_hh_t)
        x_r, x_z, x_n = xp.chunk(3, dim=1)
        h_r, h_z, h_n = hp.chunk(3, dim=1)
        # r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
        r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
        # n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        n = torch.tanh(x_n + r * h_n)
        # h' = (1 - z) * n + z * h
        h = (1 - z) * n + z * h
        return (h,), GRUGates(r, z, n)


class GRUCell(_GRUStep, RecurrentCell):
    """A GRU cell from primitives, a drop-in for ``torch.nn.GRUCell``.

    Parameters: weight_ih (3H, I), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).
    """

    def forward(self, input: Tensor, hx: Tensor | None = None, return_gates: bool = False):
        """Return h' (B, H) from input (B, I) and hx (B, H), zeros if None.

        Unbatched: input (I,), hx (H,). With ``return_gates=True`` return (h', GRUGates),
        each gate shaped like h'.
        """
        return self._forward(input, hx, return_gates)


class GRU(_GRUStep, RecurrentLayer):
    """A multi-layer GRU from primitives, a drop-in for ``torch.nn.GRU``.

    Constructor as torch: ``GRU(input_size, hidden_size, num_layers=1, bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``.
    """

    def forward(self, input: Tensor, hx: Tensor | None = None, return_gates: bool = False):
        """Return (output, h_n) like ``torch.nn.GRU``.

        input: (T, B, I), or (B, T, I) if batch_first, or unbatched (T, I); hx: (L*D, B, H)
        or unbatched (L*D, H), zeros if None. output: (T, B, D*H) (batch_first: (B, T, D*H);
        unbatched (T, D*H)); h_n: (L*D, B, H). With ``return_gates=True`` return
        (output, h_n, GRUGates), each field (L*D, T, B, H) ((L*D, B, T, H) if batch_first,
        (L*D, T, H) unbatched), the layout of ``lstm.LSTM``'s gates. Unlike the LSTM's, which its
        hand-written backward leaves without gradient, these come from the step run under
        autograd and carry gradient.
        """
        return self._forward(input, hx, return_gates)
