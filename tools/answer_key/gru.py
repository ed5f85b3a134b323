"""Exercises of notebook 07 (GRU): the update gate's interpolation over time, one GRU step.

Shapes: B batch, T time, I input_size, H hidden_size. Everything is torch float64, with torch's
gate order r, z, n in the packed weights W_ih (3H, I) and W_hh (3H, H), and torch's reset
placement n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from .spec import Exercise, Hint, register

# --- Exercise 1: the update gate, 이전과 현재 가중치곱, over a whole sequence ------------------------


def _update_inputs(rng: np.random.Generator):
    """z (B, T, H) in (0.05, 0.95), candidates n (B, T, H) in (-1, 1), h0 (B, H) away from 0."""
    B, T, H = int(rng.integers(2, 5)), int(rng.integers(3, 8)), int(rng.integers(2, 6))
    z = torch.from_numpy(rng.uniform(0.05, 0.95, (B, T, H)))
    n = torch.from_numpy(rng.uniform(-1.0, 1.0, (B, T, H)))
    h0 = torch.from_numpy(rng.choice([-1.0, 1.0], (B, H)) * rng.uniform(0.5, 1.0, (B, H)))
    return z, n, h0


def gru_update_states_reference(z, n, h0):
    """Every state h_1..h_T (B, T, H) from h_t = (1 - z_t) * n_t + z_t * h_(t-1), starting at h0."""
    h, states = h0, []
    for t in range(z.shape[1]):
        h = (1 - z[:, t]) * n[:, t] + z[:, t] * h
        states.append(h)
    return torch.stack(states, dim=1)


def _update_swapped(z, n, h0):
    return gru_update_states_reference(1 - z, n, h0)


def _update_added(z, n, h0):
    h, states = h0, []
    for t in range(z.shape[1]):
        h = n[:, t] + z[:, t] * h
        states.append(h)
    return torch.stack(states, dim=1)


def _update_shifted(z, n, h0):
    full = torch.cat([h0[:, None], gru_update_states_reference(z, n, h0)], dim=1)
    return full[:, :-1]


def _update_not_carried(z, n, h0):
    return (1 - z) * n + z * h0[:, None]


register(
    Exercise(
        name="gru_update_states",
        points=2,
        reference=gru_update_states_reference,
        make_inputs=_update_inputs,
        arg_names=("z", "n", "h0"),
        mistakes=(
            (
                _update_swapped,
                Hint(
                    "in torch's GRU z weights the OLD state: h_t = (1 - z_t) * n_t + z_t * h_(t-1), so z near 1 keeps the memory.",
                    "torch의 GRU에서 z는 이전 상태에 곱해집니다: h_t = (1 - z_t) * n_t + z_t * h_(t-1)이므로 z가 1에 가까우면 기억이 유지됩니다.",
                ),
            ),
            (
                _update_added,
                Hint(
                    "the update gate interpolates (이전과 현재 가중치곱): the weights (1 - z_t) and z_t sum to 1, so n_t is multiplied by (1 - z_t).",
                    "업데이트 게이트는 둘 사이를 보간합니다(이전과 현재 가중치곱): 가중치 (1 - z_t)와 z_t의 합이 1이므로 n_t에는 (1 - z_t)를 곱합니다.",
                ),
            ),
            (
                _update_shifted,
                Hint(
                    "return h_1..h_T, the states AFTER each step, not h_0..h_(T-1).",
                    "h_0..h_(T-1)이 아니라 각 시점 뒤의 상태 h_1..h_T를 반환하세요.",
                ),
            ),
            (
                _update_not_carried,
                Hint(
                    "each step must use the previous step's result h_(t-1), not h0 every time.",
                    "매번 h0을 쓰지 말고, 각 시점은 이전 시점의 결과 h_(t-1)을 써야 합니다.",
                ),
            ),
        ),
    )
)


# --- Exercise 2: one GRU step with torch's packed weights and reset placement ----------------------


def _step_inputs(rng: np.random.Generator):
    """x (B, I), h (B, H), W_ih (3H, I), W_hh (3H, H), b_ih (3H,), b_hh (3H,).

    I != H so a missing transpose fails; b_hh is large enough that where the reset gate acts
    (on W_hn h + b_hn, or on h alone) always shows.
    """
    B, H = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    I = H + int(rng.integers(1, 4))
    return (
        torch.from_numpy(rng.normal(size=(B, I))),
        torch.from_numpy(rng.normal(size=(B, H))),
        torch.from_numpy(rng.normal(0, 0.8, (3 * H, I))),
        torch.from_numpy(rng.normal(0, 0.8, (3 * H, H))),
        torch.from_numpy(rng.normal(0, 0.5, 3 * H)),
        torch.from_numpy(rng.choice([-1.0, 1.0], 3 * H) * rng.uniform(0.5, 1.0, 3 * H)),
    )


def _gru_step(x, h, W_ih, W_hh, b_ih, b_hh, order="rzn", variant=""):
    """The reference step, or a variant with a known mistake (for the hints)."""
    xs = dict(zip(order, (x @ W_ih.T + b_ih).chunk(3, dim=1), strict=True))
    W = dict(zip(order, W_hh.chunk(3, dim=0), strict=True))
    b = dict(zip(order, b_hh.chunk(3, dim=0), strict=True))
    r = torch.sigmoid(xs["r"] + h @ W["r"].T + b["r"])
    z = torch.sigmoid(xs["z"] + h @ W["z"].T + b["z"])
    if variant == "paper_reset":
        n = torch.tanh(xs["n"] + (r * h) @ W["n"].T + b["n"])
    elif variant == "reset_bias_outside":
        n = torch.tanh(xs["n"] + r * (h @ W["n"].T) + b["n"])
    elif variant == "no_reset":
        n = torch.tanh(xs["n"] + h @ W["n"].T + b["n"])
    elif variant == "reset_on_input_too":
        n = torch.tanh(r * (xs["n"] + h @ W["n"].T + b["n"]))
    else:
        n = torch.tanh(xs["n"] + r * (h @ W["n"].T + b["n"]))
    if variant == "swapped_update":
        return z * n + (1 - z) * h
    return (1 - z) * n + z * h


def gru_step_reference(x, h, W_ih, W_hh, b_ih, b_hh):
    """h' (B, H): r, z from both inputs, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), torch's way."""
    return _gru_step(x, h, W_ih, W_hh, b_ih, b_hh)


_ORDER_HINT = Hint(
    "torch packs the three gates in the order r, z, n (reset, update, candidate): the first H "
    "rows of W_ih and W_hh belong to r, the next H to z, the last H to n.",
    "torch는 세 게이트를 r, z, n(리셋, 업데이트, 후보) 순서로 묶습니다: W_ih와 W_hh의 처음 H개 행은 r, 다음 H개는 z, 마지막 H개는 n의 것입니다.",
)

register(
    Exercise(
        name="gru_step",
        points=3,
        reference=gru_step_reference,
        make_inputs=_step_inputs,
        arg_names=("x", "h", "W_ih", "W_hh", "b_ih", "b_hh"),
        mistakes=(
            (
                partial(_gru_step, variant="paper_reset"),
                Hint(
                    "that is the paper's placement W_hn (r * h); torch applies the reset gate AFTER the product, to the whole recurrent term: r * (W_hn h + b_hn).",
                    "이것은 논문의 배치 W_hn (r * h)입니다: torch는 리셋 게이트를 곱셈 뒤에 순환 항 전체에 적용합니다, r * (W_hn h + b_hn).",
                ),
            ),
            (
                partial(_gru_step, variant="reset_bias_outside"),
                Hint(
                    "in torch the reset gate also multiplies the hidden bias b_hn: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).",
                    "torch에서는 리셋 게이트가 은닉 편향 b_hn에도 곱해집니다: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).",
                ),
            ),
            (
                partial(_gru_step, variant="no_reset"),
                Hint(
                    "the reset gate (이전과 현재 얼마만큼?) is missing: it scales the recurrent term of the candidate, r * (W_hn h + b_hn).",
                    "리셋 게이트(이전과 현재 얼마만큼?)가 빠졌습니다: 리셋 게이트는 후보의 순환 항에 곱해집니다, r * (W_hn h + b_hn).",
                ),
            ),
            (
                partial(_gru_step, variant="reset_on_input_too"),
                Hint(
                    "the reset gate scales only the part that comes from h, not the input term W_in x + b_in.",
                    "리셋 게이트는 입력 항 W_in x + b_in이 아니라 h에서 오는 부분에만 곱해집니다.",
                ),
            ),
            (
                partial(_gru_step, variant="swapped_update"),
                Hint(
                    "in torch's GRU z weights the OLD state: h' = (1 - z) * n + z * h.",
                    "torch의 GRU에서 z는 이전 상태에 곱해집니다: h' = (1 - z) * n + z * h.",
                ),
            ),
            (partial(_gru_step, order="zrn"), _ORDER_HINT),
            (partial(_gru_step, order="nzr"), _ORDER_HINT),
            (partial(_gru_step, order="rnz"), _ORDER_HINT),
        ),
    )
)


# --- Main exercise: the Jacobian ∂h'/∂h of one GRU step, path by path -----------------------------


def _paths(x, h, W_ih, W_hh, b_ih, b_hh, variant=""):
    """(keep, candidate, gate), each (B, H, H), or a variant with a known mistake (for the hints).

    J[b, i, j] = ∂h'_{b,i}/∂h_{b,j}; product rule on h' = (1 - z) * n + z * h:
    keep = diag(z), candidate = diag(1 - z) ∂n/∂h, gate = diag(h - n) ∂z/∂h.
    """
    x_r, x_z, x_n = (x @ W_ih.T + b_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h @ W_hh.T + b_hh).chunk(3, dim=1)
    W_hr, W_hz, W_hn = W_hh.chunk(3, dim=0)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)

    def rows(v, M):  # diag(v) M for every batch row: (B, H) and (H, H) -> (B, H, H)
        return v[:, :, None] * M

    if variant == "paper_reset":
        b_hn = b_hh.chunk(3)[2]
        n = torch.tanh(x_n + (r * h) @ W_hn.T + b_hn)
        # ∂/∂h of W_hn (r ⊙ h) = W_hn diag(r) + W_hn diag(h) diag(r(1 - r)) W_hr
        inner = W_hn[None] * r[:, None, :] + (W_hn[None] * (h * r * (1 - r))[:, None, :]) @ W_hr
    else:
        n = torch.tanh(x_n + r * h_n)
        # a_n = W_in x + b_in + r ⊙ (W_hn h + b_hn): ∂a_n/∂h = diag(r) W_hn + diag(h_n r (1 - r)) W_hr
        through_r = {"no_bias": h @ W_hn.T, "no_reset": torch.zeros_like(h_n)}.get(variant, h_n)
        inner = rows(r, W_hn) + rows(through_r * r * (1 - r), W_hr)
    tanh_prime = torch.ones_like(n) if variant == "no_tanh_prime" else 1 - n**2
    candidate = rows((1 - z) * tanh_prime, inner)
    sigma_prime = torch.ones_like(z) if variant == "no_sigmoid_prime" else z * (1 - z)
    old_minus_new = n - h if variant == "gate_sign" else h - n
    keep, gate = torch.diag_embed(z), rows(old_minus_new * sigma_prime, W_hz)
    if variant == "swapped_update":
        keep = torch.diag_embed(1 - z)
        candidate = rows(z * tanh_prime, inner)
        gate = rows((n - h) * sigma_prime, W_hz)
    if variant == "transposed":
        return tuple(J.transpose(1, 2) for J in (keep, candidate, gate))
    return keep, candidate, gate


def gru_jacobian_paths_reference(x, h, W_ih, W_hh, b_ih, b_hh):
    """(keep, candidate, gate), each (B, H, H): the three terms of ∂h'/∂h, J[b, i, j] = ∂h'_i/∂h_j.

    keep = diag(z) (h' keeps z of h), candidate = diag(1 - z) ∂n/∂h (n reads h through W_hn and
    through r), gate = diag(h - n) ∂z/∂h (the mix itself moves with h). Their sum is the step's
    Jacobian.
    """
    return _paths(x, h, W_ih, W_hh, b_ih, b_hh)


def _path_mistake(variant):
    return lambda *args: _paths(*args, variant=variant)


def _zr_swapped(x, h, W_ih, W_hh, b_ih, b_hh):
    """The reference on weights read in the order z, r, n: the first two blocks exchanged."""

    def swap(w):
        first, second, third = w.chunk(3, dim=0)
        return torch.cat([second, first, third])

    return _paths(x, h, swap(W_ih), swap(W_hh), swap(b_ih), swap(b_hh))


register(
    Exercise(
        name="gru_jacobian_paths",
        points=5,
        reference=gru_jacobian_paths_reference,
        make_inputs=_step_inputs,
        arg_names=("x", "h", "W_ih", "W_hh", "b_ih", "b_hh"),
        rtol=1e-7,
        atol=1e-10,
        mistakes=(
            (
                _path_mistake("no_reset"),
                Hint(
                    "n depends on h twice: through W_hn h and through the reset gate r = σ(... + W_hr h "
                    "+ b_hr); the second adds diag((W_hn h + b_hn) ⊙ r(1 - r)) W_hr inside ∂n/∂h.",
                    "n은 h에 두 번 의존합니다: W_hn h를 통해서, 그리고 리셋 게이트 r = σ(... + W_hr h + b_hr)를 통해서입니다. 두 번째 경로가 ∂n/∂h 안에 diag((W_hn h + b_hn) ⊙ r(1 - r)) W_hr를 더합니다.",
                ),
            ),
            (
                _path_mistake("no_bias"),
                Hint(
                    "r multiplies the whole W_hn h + b_hn, so the term that goes through r carries b_hn "
                    "too: diag((W_hn h + b_hn) ⊙ r(1 - r)) W_hr.",
                    "r은 W_hn h + b_hn 전체에 곱해지므로, r을 거치는 항에도 b_hn이 들어갑니다: diag((W_hn h + b_hn) ⊙ r(1 - r)) W_hr.",
                ),
            ),
            (
                _path_mistake("gate_sign"),
                Hint(
                    "∂h'/∂z = h - n, since h' = (1 - z) n + z h: the gate term is "
                    "diag((h - n) ⊙ z(1 - z)) W_hz, not with n - h.",
                    "h' = (1 - z) n + z h이므로 ∂h'/∂z = h - n입니다: 게이트 항은 n - h가 아니라 h - n으로 쓴 diag((h - n) ⊙ z(1 - z)) W_hz입니다.",
                ),
            ),
            (
                _path_mistake("swapped_update"),
                Hint(
                    "in torch's GRU z weights the OLD state: h' = (1 - z) n + z h, so keep = diag(z) "
                    "and the candidate term carries 1 - z.",
                    "torch의 GRU에서 z는 이전 상태에 곱해집니다: h' = (1 - z) n + z h이므로 keep = diag(z)이고 후보 항에는 1 - z가 붙습니다.",
                ),
            ),
            (
                _path_mistake("transposed"),
                Hint(
                    "row i holds the derivatives of h'_i: J[b, i, j] = ∂h'_i/∂h_j. With h @ W.T the "
                    "Jacobian of h ↦ h @ W.T is W itself, so diag(v) W scales the ROWS of W.",
                    "행 i에는 h'_i의 도함수가 들어갑니다: J[b, i, j] = ∂h'_i/∂h_j. h ↦ h @ W.T의 야코비 행렬은 W 그 자체이므로 diag(v) W는 W의 행에 곱해집니다.",
                ),
            ),
            (
                _path_mistake("paper_reset"),
                Hint(
                    "that is the paper's placement W_hn (r ⊙ h); torch's candidate is "
                    "tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), and the Jacobian must follow it.",
                    "이것은 논문의 배치 W_hn (r ⊙ h)입니다: torch의 후보는 tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))이고, 야코비 행렬도 이를 따라야 합니다.",
                ),
            ),
            (
                _path_mistake("no_tanh_prime"),
                Hint(
                    "n = tanh(a_n): multiply ∂a_n/∂h by tanh'(a_n) = 1 - n² (row by row).",
                    "n = tanh(a_n)입니다: ∂a_n/∂h에 tanh'(a_n) = 1 - n²를 행마다 곱하세요.",
                ),
            ),
            (
                _path_mistake("no_sigmoid_prime"),
                Hint(
                    "z = σ(a_z) and σ'(a_z) = z(1 - z): the gate term is diag((h - n) ⊙ z(1 - z)) W_hz.",
                    "z = σ(a_z)이고 σ'(a_z) = z(1 - z)입니다: 게이트 항은 diag((h - n) ⊙ z(1 - z)) W_hz입니다.",
                ),
            ),
            (_zr_swapped, _ORDER_HINT),
        ),
        forbidden=(
            "torch.autograd",
            "torch.autograd.forward_ad",
            "torch.func.jacrev",
            "torch.func.jacfwd",
            "torch.func.vjp",
            "torch.func.jvp",
            "torch.func.linearize",
            "torch.func.hessian",
        ),
    )
)
