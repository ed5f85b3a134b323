"""Vanishing gradients (기울기 소실 문제): gradient norms through time, Jacobians, clipping, checks.

Letters used in shapes: B batch, T time, I input_size, H hidden_size, S state size (H for RNN
and GRU cells; 2H for an LSTM cell, whose state is the pair (h, c)).

Every function that takes a ``cell`` accepts a course or a torch ``RNNCell``, ``LSTMCell`` or
``GRUCell``. Measure in float64 (``cell.double()``). In float32 the gradient's entries stay
representable far back (float32 reaches down to about 1.4e-45), but its norm does not: ``norm()``
squares the entries, and the square of an entry near 1e-23 is about 1e-46, below float32's
range, so it becomes 0. A float32 gradient whose entries are about 1e-23 has norm 0.0 (over 100
tanh steps back the entries get there); ``hidden_state_grads`` returns the gradients themselves,
whose norms can be taken in float64.
"""

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch
from torch import Tensor, nn


def _num_states(cell: nn.Module) -> int:
    """Return 2 for LSTM cells (state (h, c)) and 1 for cells whose state is h alone."""
    return 2 if isinstance(cell, nn.LSTMCell) or getattr(cell, "num_states", 1) == 2 else 1


def _initial_state(cell: nn.Module, h0, shape: tuple[int, ...], like: Tensor) -> tuple:
    """Return the initial state as a tuple: zeros of ``shape`` if h0 is None."""
    if h0 is None:
        return tuple(like.new_zeros(shape) for _ in range(_num_states(cell)))
    return tuple(h0) if _num_states(cell) == 2 else (h0,)


def _cell_step(cell: nn.Module, x_t: Tensor, state: tuple) -> tuple:
    """Run one step of any cell on a state tuple and return the new state tuple."""
    out = cell(x_t, state if len(state) == 2 else state[0])
    return tuple(out) if isinstance(out, tuple) else (out,)


def hidden_state_grads(
    cell: nn.Module,
    x: Tensor,
    h0: Tensor | tuple[Tensor, Tensor] | None = None,
    loss_fn: Callable[[Tensor], Tensor] | None = None,
) -> Tensor:
    """Return ∂L/∂h_t for t = 1..T as a (T, B, H) tensor, L a loss on the last hidden state h_T.

    Runs ``cell`` step by step over x (B, T, I) from h0 ((B, H), an LSTM's (h, c); zeros if
    None). L is ``h_T.sum()``, or ``loss_fn(h_T)``. Entry t-1 is the total derivative through
    the recurrence, every path from h_t to L; for an LSTM the paths through c_t are counted at
    c_t, not at h_t. Uses ``torch.autograd.grad`` on the per-step states, so the cell's
    parameter ``.grad`` stay untouched. The dtype is the cell's: see the module's note on
    float32.
    """
    if x.dim() != 3 or x.shape[2] != cell.input_size:
        raise ValueError(f"x must be (batch, time, {cell.input_size}), got {tuple(x.shape)}")
    with torch.enable_grad():
        # an input that requires grad puts every h_t on the graph, even with frozen weights
        x = x.detach().requires_grad_(True)
        state = _initial_state(cell, h0, (x.shape[0], cell.hidden_size), x)
        hs = []
        for x_t in x.unbind(1):
            state = _cell_step(cell, x_t, state)
            hs.append(state[0])
        loss = hs[-1].sum() if loss_fn is None else loss_fn(hs[-1])
        grads = torch.autograd.grad(loss, hs)
    return torch.stack(grads)


def hidden_state_grad_norms(
    cell: nn.Module,
    x: Tensor,
    h0: Tensor | tuple[Tensor, Tensor] | None = None,
    loss_fn: Callable[[Tensor], Tensor] | None = None,
) -> Tensor:
    """Return ‖∂L/∂h_t‖ for t = 1..T as a (T,) tensor, L a loss on the last hidden state h_T.

    The norms, over the batch and hidden units, of :func:`hidden_state_grads` (same arguments),
    taken in the cell's dtype: in float32 a norm reads 0 once the square of every entry
    underflows (entries below about 4e-23), although the entries themselves are not 0.
    """
    return torch.stack([g.norm() for g in hidden_state_grads(cell, x, h0, loss_fn)])


def step_jacobians(
    cell: nn.Module, x: Tensor, h0: Tensor | tuple[Tensor, Tensor] | None = None
) -> Tensor:
    """Return the step Jacobians ∂s_t/∂s_{t-1} along one sequence as a (T, S, S) tensor.

    x is one sequence (T, I), h0 its initial state ((H,), an LSTM's (h, c); zeros if None).
    For an RNN cell ``J_t = diag(1 - h_t²) W_hh``. For an LSTM the state is the joint
    s = [h; c] (S = 2H, h first), since the gradient flows back through both; for RNN and GRU
    s = h (S = H). Row k of J_t is the gradient of s_t[k]: one backward pass per step, on a
    batch of S copies of the state (cells treat batch rows independently).
    """
    if x.dim() != 2 or x.shape[1] != cell.input_size:
        raise ValueError(f"x must be (time, {cell.input_size}), got {tuple(x.shape)}")
    H = cell.hidden_size
    state = _initial_state(cell, h0, (H,), x)
    S = H * len(state)
    select = torch.eye(S, dtype=x.dtype, device=x.device)
    jacobians = []
    for x_t in x.detach():
        with torch.enable_grad():
            copies = tuple(s.detach().expand(S, H).clone().requires_grad_(True) for s in state)
            new = torch.cat(_cell_step(cell, x_t.expand(S, -1), copies), dim=1)  # (S, S)
            rows = torch.autograd.grad((new * select).sum(), copies)
        jacobians.append(torch.cat(rows, dim=1))
        state = tuple(part[0].detach() for part in new.split(H, dim=1))
    return torch.stack(jacobians)


def jacobian_product_singular_values(jacobians: Tensor) -> Tensor:
    """Return the singular values of every prefix product ∂s_t/∂s_0 = J_t ⋯ J_1 as (T, S).

    jacobians: (T, S, S) from :func:`step_jacobians`. Row t-1 holds the singular values of
    J_t ⋯ J_1 in descending order; the largest bounds how much a gradient can grow or shrink
    over t steps, so a row falling like 0.6^t is the vanishing gradient.
    """
    if jacobians.dim() != 3 or jacobians.shape[1] != jacobians.shape[2]:
        raise ValueError(f"jacobians must be (time, S, S), got {tuple(jacobians.shape)}")
    products = []
    product = torch.eye(jacobians.shape[1], dtype=jacobians.dtype, device=jacobians.device)
    for jacobian in jacobians:
        product = jacobian @ product
        products.append(product)
    return torch.linalg.svdvals(torch.stack(products))


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0
) -> Tensor:
    """Scale all gradients together so their joint norm is at most max_norm; return the norm.

    Equals ``torch.nn.utils.clip_grad_norm_``: the total norm is the ``norm_type`` norm of all
    gradients as one vector (``math.inf``: the largest absolute entry), measured before
    clipping; parameters without a gradient are skipped.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = [torch.linalg.vector_norm(g.detach(), norm_type) for g in grads]
    total_norm = torch.linalg.vector_norm(torch.stack(norms), norm_type)
    # scale = max_norm / ‖g‖ when ‖g‖ > max_norm, else 1; the 1e-6 guards ‖g‖ = 0
    scale = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for g in grads:
        g.detach().mul_(scale.to(g.dtype))
    return total_norm


def numerical_gradient(
    f: Callable[[np.ndarray | Tensor], float], x: np.ndarray | Tensor, eps: float = 1e-6
) -> np.ndarray | Tensor:
    """Return the central-difference gradient of a scalar f at x, shaped and typed like x.

    ``df/dx[i] ≈ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``. x is a float64 NumPy array or
    tensor, perturbed in place one entry at a time and restored exactly; f(x) may return a
    float, a NumPy scalar or a 0-d tensor.
    """
    if x.dtype not in (np.float64, torch.float64):
        raise ValueError(f"x must be float64 for finite differences, got {x.dtype}")
    grad = x.detach().clone() if isinstance(x, Tensor) else np.empty_like(x)
    with torch.no_grad():
        for index in np.ndindex(*x.shape):
            old = float(x[index])
            x[index] = old + eps
            f_plus = float(f(x))
            x[index] = old - eps
            f_minus = float(f(x))
            x[index] = old
            grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray | Tensor, b: np.ndarray | Tensor) -> float:
    """Return ‖a - b‖ / (‖a‖ + ‖b‖), 0 when both are zero; a and b must have the same shape.

    Norms over all entries, so entries near zero (where finite differences have only their
    rounding error) do not dominate, unlike an entry-wise maximum.
    """
    a, b = (
        np.asarray(v.detach().cpu() if isinstance(v, Tensor) else v, dtype=np.float64)
        for v in (a, b)
    )
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs equal shapes, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def gradient_check(
    f: Callable[..., float],
    inputs: Sequence[np.ndarray | Tensor],
    analytic_grads: Sequence[np.ndarray | Tensor],
    eps: float = 1e-6,
) -> float:
    """Return the largest relative error between analytic and finite-difference gradients.

    ``f(*inputs)`` is a scalar; ``analytic_grads[k]`` is its claimed gradient with respect to
    ``inputs[k]`` (same shape, float64). In float64 a correct gradient gives about 1e-8 or less.
    """
    if len(inputs) != len(analytic_grads):
        raise ValueError(f"got {len(inputs)} inputs but {len(analytic_grads)} gradients")
    errors = []
    for k, (x, grad) in enumerate(zip(inputs, analytic_grads, strict=True)):
        if tuple(grad.shape) != tuple(x.shape):
            raise ValueError(f"gradient {k} must be {tuple(x.shape)}, got {tuple(grad.shape)}")
        numeric = numerical_gradient(lambda _: f(*inputs), x, eps)
        errors.append(relative_error(grad, numeric))
    return max(errors, default=0.0)
