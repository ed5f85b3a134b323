"""Exercises of notebook 05 (기울기 소실 문제): the gradient through time, clipping by global norm."""

from __future__ import annotations

import itertools

import numpy as np

from .spec import Exercise, register


def _tanh_states(rng: np.random.Generator):
    """dh_T (B, H), hs (B, T, H) from a real tanh RNN, W_hh (H, H) unsymmetric, T >= 3.

    Moderate weights keep tanh away from saturation, so that every step's factor 1 - h² and
    the direction of W_hh both change the result well beyond the tolerance.
    """
    B, T, H = int(rng.integers(2, 5)), int(rng.integers(3, 8)), int(rng.integers(3, 7))
    I = H + 1
    W_xh, W_hh = rng.normal(0, 0.5, (H, I)), rng.normal(0, 0.8 / np.sqrt(H), (H, H))
    x, h = rng.normal(size=(B, T, I)), np.zeros((B, H))
    hs = np.empty((B, T, H))
    for t in range(T):
        h = np.tanh(x[:, t] @ W_xh.T + h @ W_hh.T)
        hs[:, t] = h
    return rng.normal(size=(B, H)), hs, W_hh


def _backward_in_time(dh_T, hs, W_hh, step, store=lambda d, h: d):
    """Walk ∂L/∂h back from h_T with ``step(d, h_later, h_earlier)``; index t holds h_{t+1}."""
    T = hs.shape[1]
    out = np.empty_like(hs)
    d = dh_T
    out[:, T - 1] = store(d, hs[:, T - 1])
    for t in range(T - 1, 0, -1):
        d = step(d, hs[:, t], hs[:, t - 1])
        out[:, t - 1] = store(d, hs[:, t - 1])
    return out


def grad_through_time_reference(dh_T, hs, W_hh):
    """∂L/∂h_t for t = 1..T as (B, T, H) when L depends on h_T only: index T-1 is dh_T itself."""
    # ∂h_{t+1}/∂h_t = diag(1 - h_{t+1}²) W_hh, applied to row vectors from the right
    return _backward_in_time(dh_T, hs, W_hh, lambda d, h_next, h: (d * (1 - h_next**2)) @ W_hh)


def _clip_inputs_cycle():
    # Trials alternate between a gradient above max_norm and one below it, so that every
    # check (5 trials) meets both: some mistakes only show when clipping must act, one only
    # when it must not. The values stay fresh and random in every trial.
    regimes = itertools.cycle([True, False])

    def make(rng: np.random.Generator):
        H, I = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        grads = [rng.normal(0, 1, (H, I)), rng.normal(0, 1, (H, H)), rng.normal(0, 1, H)]
        total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
        if next(regimes):
            # below the largest entry, so that clipping each entry by value would also act
            largest = max(float(np.abs(g).max()) for g in grads)
            max_norm = float(rng.uniform(0.3, 0.9)) * largest
        else:
            max_norm = float(rng.uniform(1.2, 3.0)) * total
        return (*grads, max_norm)

    return make


def clip_by_global_norm_reference(dW_xh, dW_hh, db, max_norm):
    """Scale all three gradients by one factor so their joint norm is at most max_norm.

    Returns (dW_xh, dW_hh, db, total_norm), total_norm the norm before clipping (a float).
    """
    grads = (dW_xh, dW_hh, db)
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return (*(g * scale for g in grads), total)


def _clip_with(total_norm_of, scale_of=None):
    """A buggy clipper: the global norm computed by ``total_norm_of``, scale by ``scale_of``."""

    def clip(dW_xh, dW_hh, db, max_norm):
        grads = (dW_xh, dW_hh, db)
        total = float(total_norm_of(grads))
        scale = min(1.0, max_norm / total) if scale_of is None else scale_of(total, max_norm)
        return (*(g * scale for g in grads), total)

    return clip


def _per_array(dW_xh, dW_hh, db, max_norm):
    clipped = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in (dW_xh, dW_hh, db)]
    return (*clipped, clip_by_global_norm_reference(dW_xh, dW_hh, db, max_norm)[3])


def _by_value(dW_xh, dW_hh, db, max_norm):
    clipped = [np.clip(g, -max_norm, max_norm) for g in (dW_xh, dW_hh, db)]
    return (*clipped, clip_by_global_norm_reference(dW_xh, dW_hh, db, max_norm)[3])


def _norm_after(dW_xh, dW_hh, db, max_norm):
    *clipped, _ = clip_by_global_norm_reference(dW_xh, dW_hh, db, max_norm)
    return (*clipped, float(np.sqrt(sum(np.sum(g**2) for g in clipped))))


register(
    Exercise(
        name="grad_through_time",
        points=3,
        reference=grad_through_time_reference,
        make_inputs=_tanh_states,
        arg_names=("dh_T", "hs", "W_hh"),
        mistakes=(
            (
                lambda dh, hs, W: _backward_in_time(
                    dh, hs, W, lambda d, h_next, h: (d * (1 - h_next**2)) @ W.T
                ),
                "h_{t+1} = tanh(h_t @ W_hh.T + ...), so going back multiplies by W_hh itself: d @ W_hh, not d @ W_hh.T.",
            ),
            (
                lambda dh, hs, W: _backward_in_time(
                    dh, hs, W, lambda d, h_next, h: (d * (1 - h**2)) @ W
                ),
                "the factor tanh' belongs to the step you go back through: use 1 - h_{t+1}**2 of the LATER state, not 1 - h_t**2.",
            ),
            (
                lambda dh, hs, W: _backward_in_time(dh, hs, W, lambda d, h_next, h: d @ W),
                "each step back multiplies by tanh'(a) = 1 - h_{t+1}**2 before W_hh: ∂h_{t+1}/∂h_t = diag(1 - h_{t+1}²) W_hh.",
            ),
            (
                lambda dh, hs, W: _backward_in_time(
                    dh, hs, W, lambda d, h_next, h: (d * (1 - np.tanh(h_next) ** 2)) @ W
                ),
                "hs already hold tanh(a): tanh'(a) = 1 - h**2, not 1 - tanh(h)**2.",
            ),
            (
                lambda dh, hs, W: grad_through_time_reference(dh, hs, W)[:, ::-1],
                "keep time order: index t of the result is ∂L/∂h_{t+1}, so the LAST entry is dh_T itself.",
            ),
            (
                lambda dh, hs, W: _backward_in_time(
                    dh,
                    hs,
                    W,
                    lambda d, h_next, h: (d * (1 - h_next**2)) @ W,
                    store=lambda d, h: d * (1 - h**2),
                ),
                "return the gradient on h_t, not on the pre-activation a_t: do not multiply the stored values by 1 - h_t**2.",
            ),
        ),
    )
)

register(
    Exercise(
        name="clip_by_global_norm",
        points=2,
        reference=clip_by_global_norm_reference,
        make_inputs=_clip_inputs_cycle(),
        arg_names=("dW_xh", "dW_hh", "db", "max_norm"),
        mistakes=(
            (
                _per_array,
                "clip by the GLOBAL norm: one norm over all three gradients together, and one scale for all of them.",
            ),
            (
                _by_value,
                "clip the norm, not each entry: multiply every gradient by max_norm / total_norm, which keeps the direction.",
            ),
            (
                _clip_with(
                    lambda gs: np.sqrt(sum(np.sum(g**2) for g in gs)), lambda total, m: m / total
                ),
                "leave the gradients unchanged when total_norm <= max_norm: clipping only ever shrinks them.",
            ),
            (
                _norm_after,
                "return total_norm as measured BEFORE clipping: it tells how large the gradient was.",
            ),
            (
                _clip_with(lambda gs: sum(np.sum(g**2) for g in gs)),
                "total_norm is the square ROOT of the sum of all squared entries.",
            ),
            (
                _clip_with(lambda gs: sum(np.linalg.norm(g) for g in gs)),
                "the global norm is sqrt(‖dW_xh‖² + ‖dW_hh‖² + ‖db‖²), not ‖dW_xh‖ + ‖dW_hh‖ + ‖db‖.",
            ),
        ),
    )
)
