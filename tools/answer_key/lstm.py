"""Exercises of notebook 06 (LSTM): the cell-state path over time, one LSTM step, the path's gain,
and the main one, one LSTM step backward (against autograd).

Shapes: B batch, T time, I input_size, H hidden_size. Everything is torch float64, with torch's
gate order i, f, g, o in the packed weights W_ih (4H, I) and W_hh (4H, H).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from .spec import Exercise, Hint, register


def _sizes(rng: np.random.Generator) -> tuple[int, int, int]:
    """B, T, H with T >= 3 so that off-by-one mistakes in time always show."""
    return int(rng.integers(2, 5)), int(rng.integers(3, 8)), int(rng.integers(2, 6))


def _gate(rng: np.random.Generator, shape: tuple[int, ...], low: float = 0.05) -> torch.Tensor:
    """Sigmoid-like activations in (low, 0.95), never 0 or 1, so every gate's effect shows."""
    return torch.from_numpy(rng.uniform(low, 0.95, shape))


# --- Exercise 1: step 3 (장기 기억, cell state) over a whole sequence ------------------------------


def _cell_state_inputs(rng: np.random.Generator):
    """f, i (B, T, H) in (0.05, 0.95), g (B, T, H) in (-1, 1), c0 (B, H) away from 0."""
    B, T, H = _sizes(rng)
    f, i = _gate(rng, (B, T, H)), _gate(rng, (B, T, H))
    g = torch.from_numpy(rng.uniform(-1.0, 1.0, (B, T, H)))
    c0 = torch.from_numpy(rng.choice([-1.0, 1.0], (B, H)) * rng.uniform(0.5, 2.0, (B, H)))
    return f, i, g, c0


def lstm_cell_states_reference(f, i, g, c0):
    """Every cell state c_1..c_T (B, T, H) from c_t = f_t * c_{t-1} + i_t * g_t, starting at c0."""
    c, states = c0, []
    for t in range(f.shape[1]):
        c = f[:, t] * c + i[:, t] * g[:, t]
        states.append(c)
    return torch.stack(states, dim=1)


def _cell_states_without_forget(f, i, g, c0):
    return lstm_cell_states_reference(torch.ones_like(f), i, g, c0)


def _cell_states_without_input_gate(f, i, g, c0):
    return lstm_cell_states_reference(f, torch.ones_like(i), g, c0)


def _cell_states_squashed(f, i, g, c0):
    c, states = c0, []
    for t in range(f.shape[1]):
        c = torch.tanh(f[:, t] * c + i[:, t] * g[:, t])
        states.append(c)
    return torch.stack(states, dim=1)


def _cell_states_shifted(f, i, g, c0):
    full = torch.cat([c0[:, None], lstm_cell_states_reference(f, i, g, c0)], dim=1)
    return full[:, :-1]


def _cell_states_not_carried(f, i, g, c0):
    return f * c0[:, None] + i * g


register(
    Exercise(
        name="lstm_cell_states",
        points=2,
        reference=lstm_cell_states_reference,
        make_inputs=_cell_state_inputs,
        arg_names=("f", "i", "g", "c0"),
        mistakes=(
            (
                _cell_states_without_forget,
                Hint(
                    "the old memory is multiplied by the forget gate (삭제 게이트) first: c_t = f_t * c_{t-1} + i_t * g_t.",
                    "이전 기억에는 먼저 망각 게이트(삭제 게이트)를 곱합니다: c_t = f_t * c_{t-1} + i_t * g_t.",
                ),
            ),
            (
                _cell_states_without_input_gate,
                Hint(
                    "the new candidate g_t is weighted by the input gate (입력 게이트): add i_t * g_t, not g_t.",
                    "새 후보 g_t에는 입력 게이트로 가중치를 줍니다: g_t가 아니라 i_t * g_t를 더하세요.",
                ),
            ),
            (
                _cell_states_squashed,
                Hint(
                    "the cell state is not squashed: c_t = f_t * c_{t-1} + i_t * g_t with no tanh around it (tanh comes only in h_t = o_t * tanh(c_t)).",
                    "셀 상태는 압축하지 않습니다: c_t = f_t * c_{t-1} + i_t * g_t를 tanh로 감싸지 마세요(tanh는 h_t = o_t * tanh(c_t)에만 들어갑니다).",
                ),
            ),
            (
                _cell_states_shifted,
                Hint(
                    "return c_1..c_T, the states AFTER each step, not c_0..c_{T-1}.",
                    "c_0..c_{T-1}이 아니라 각 시점 뒤의 상태 c_1..c_T를 반환하세요.",
                ),
            ),
            (
                _cell_states_not_carried,
                Hint(
                    "each step must use the previous step's result c_{t-1}, not c0 every time.",
                    "매번 c0을 쓰지 말고, 각 시점은 이전 시점의 결과 c_{t-1}을 써야 합니다.",
                ),
            ),
        ),
    )
)


# --- Exercise 2: one LSTM step with torch's packed weights -----------------------------------------


def _step_inputs(rng: np.random.Generator):
    """x (B, I), h (B, H), c (B, H), W_ih (4H, I), W_hh (4H, H), b_ih (4H,), b_hh (4H,).

    I != H so a missing transpose fails, and the weights are large enough that every gate
    differs from the others and from 0.5, so each gate-order mistake changes the result.
    """
    B, H = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    I = H + int(rng.integers(1, 4))
    c = torch.from_numpy(rng.choice([-1.0, 1.0], (B, H)) * rng.uniform(0.5, 2.0, (B, H)))
    return (
        torch.from_numpy(rng.normal(size=(B, I))),
        torch.from_numpy(rng.normal(size=(B, H))),
        c,
        torch.from_numpy(rng.normal(0, 0.8, (4 * H, I))),
        torch.from_numpy(rng.normal(0, 0.8, (4 * H, H))),
        torch.from_numpy(rng.normal(0, 0.5, 4 * H)),
        torch.from_numpy(rng.normal(0, 0.5, 4 * H)),
    )


def _lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh, order="ifgo", variant=""):
    """The reference step, or a variant with a known mistake (for the hints)."""
    blocks = dict(zip(order, (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1), strict=True))
    if variant == "no_b_hh":
        blocks = dict(zip(order, (x @ W_ih.T + b_ih + h @ W_hh.T).chunk(4, dim=1), strict=True))
    i, f, o = torch.sigmoid(blocks["i"]), torch.sigmoid(blocks["f"]), torch.sigmoid(blocks["o"])
    g = torch.sigmoid(blocks["g"]) if variant == "sigmoid_g" else torch.tanh(blocks["g"])
    if variant == "no_forget":
        f = torch.ones_like(f)
    c_next = f * c + i * g
    if variant == "tanh_c_state":
        c_next = torch.tanh(c_next)
    if variant == "no_tanh_h":
        h_next = o * c_next
    elif variant == "old_c_in_h":
        h_next = o * torch.tanh(c)
    else:
        h_next = o * torch.tanh(c_next)
    return h_next, c_next


def lstm_step_reference(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """(h', c'), each (B, H): gates [i; f; g; o] = W_ih x + b_ih + W_hh h + b_hh, torch's order."""
    return _lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh)


_ORDER_HINT = Hint(
    "torch packs the four gates in the order i, f, g, o (input, forget, candidate, output): "
    "the first H rows of W_ih belong to i, the next H to f, then g, then o.",
    "torch는 네 게이트를 i, f, g, o(입력, 망각, 후보, 출력) 순서로 묶습니다: W_ih의 처음 H개 행은 i, 다음 H개는 f, 그다음은 g, 마지막은 o의 것입니다.",
)

register(
    Exercise(
        name="lstm_step",
        points=3,
        reference=lstm_step_reference,
        make_inputs=_step_inputs,
        arg_names=("x", "h", "c", "W_ih", "W_hh", "b_ih", "b_hh"),
        mistakes=(
            (partial(_lstm_step, order="figo"), _ORDER_HINT),
            (partial(_lstm_step, order="ifog"), _ORDER_HINT),
            (partial(_lstm_step, order="igfo"), _ORDER_HINT),
            (partial(_lstm_step, order="iofg"), _ORDER_HINT),
            (
                partial(_lstm_step, variant="no_forget"),
                Hint(
                    "step 2 (삭제 게이트) is missing: the old cell state is multiplied by the forget gate, c' = f * c + i * g.",
                    "2단계(삭제 게이트)가 빠졌습니다: 이전 셀 상태에 망각 게이트를 곱해야 합니다, c' = f * c + i * g.",
                ),
            ),
            (
                partial(_lstm_step, variant="tanh_c_state"),
                Hint(
                    "do not squash the cell state: c' = f * c + i * g stays as it is; tanh is applied only when making h' = o * tanh(c').",
                    "셀 상태를 압축하지 마세요: c' = f * c + i * g는 그대로 두고, tanh는 h' = o * tanh(c')를 만들 때만 씁니다.",
                ),
            ),
            (
                partial(_lstm_step, variant="no_tanh_h"),
                Hint(
                    "the output is h' = o * tanh(c'): pass the new cell state through tanh before the output gate.",
                    "출력은 h' = o * tanh(c')입니다: 출력 게이트를 곱하기 전에 새 셀 상태를 tanh에 통과시키세요.",
                ),
            ),
            (
                partial(_lstm_step, variant="old_c_in_h"),
                Hint(
                    "h' must use the NEW cell state: h' = o * tanh(c'), with c' = f * c + i * g computed first.",
                    "h'는 새 셀 상태를 써야 합니다: 먼저 c' = f * c + i * g를 계산한 뒤 h' = o * tanh(c')입니다.",
                ),
            ),
            (
                partial(_lstm_step, variant="sigmoid_g"),
                Hint(
                    "the candidate g uses tanh (values in -1..1); only i, f and o use the sigmoid.",
                    "후보 g에는 tanh(값의 범위 -1..1)를 씁니다: 시그모이드는 i, f, o에만 씁니다.",
                ),
            ),
            (
                partial(_lstm_step, variant="no_b_hh"),
                Hint(
                    "torch has two biases: add both b_ih and b_hh to the gate pre-activations.",
                    "torch에는 편향이 두 개 있습니다: 게이트의 활성화 전 값에 `b_ih`와 `b_hh`를 모두 더하세요.",
                ),
            ),
        ),
    )
)


# --- Exercise 3: how much of c_t reaches c_T along the cell path ----------------------------------


def _forget_inputs(rng: np.random.Generator):
    """Forget-gate activations f_1..f_T, (B, T, H), in (0.3, 0.95)."""
    return (_gate(rng, _sizes(rng), low=0.3),)


def cell_path_gain_reference(f):
    """(B, T, H) gains along the cell path: column k is ∂c_T/∂c_(k+1) = f_(k+2) ⋯ f_T, the last 1.

    f (B, T, H) holds f_1..f_T: column k is step k+1's forget gate (time counted from 1).
    """
    later = torch.cat([f[:, 1:], torch.ones_like(f[:, :1])], dim=1)  # column k: f_(k+2), then 1
    return later.flip(1).cumprod(1).flip(1)


def _gain_including_own_gate(f):
    return f.flip(1).cumprod(1).flip(1)


def _gain_forward_product(f):
    later = torch.cat([torch.ones_like(f[:, :1]), f[:, :-1]], dim=1)
    return later.cumprod(1)


def _gain_sum(f):
    later = torch.cat([f[:, 1:], torch.ones_like(f[:, :1])], dim=1)
    return later.flip(1).cumsum(1).flip(1)


register(
    Exercise(
        name="cell_path_gain",
        points=2,
        reference=cell_path_gain_reference,
        make_inputs=_forget_inputs,
        arg_names=("f",),
        mistakes=(
            (
                _gain_including_own_gate,
                Hint(
                    "c_t's own forget gate f_t acted BEFORE c_t existed; the path from c_t to c_T passes f_(t+1) ⋯ f_T only, so the last entry is 1.",
                    "c_t 자신의 망각 게이트 f_t는 c_t가 생기기 전에 작용했습니다: c_t에서 c_T로 가는 경로는 f_(t+1) ⋯ f_T만 지나므로 마지막 항목은 1입니다.",
                ),
            ),
            (
                _gain_forward_product,
                Hint(
                    "multiply the forget gates that come AFTER step t (t+1..T), not those before it.",
                    "시점 t 이전이 아니라 이후(t+1..T)에 오는 망각 게이트들을 곱하세요.",
                ),
            ),
            (
                _gain_sum,
                Hint(
                    "along the path the factors multiply (chain rule), they do not add.",
                    "경로를 따라 인수들은 더해지지 않고 곱해집니다(연쇄 법칙).",
                ),
            ),
        ),
    )
)


# --- Main exercise: one LSTM step backward, checked against autograd -------------------------------


def _backward_inputs(rng: np.random.Generator):
    """The step's inputs of ``_step_inputs``, then dh_next and dc_next, each (B, H).

    I != H (a wrong transpose fails), B >= 2 (a bias gradient not summed over the batch fails),
    and the incoming gradients are nonzero everywhere, so every path's mistake shows.
    """
    step = _step_inputs(rng)
    B, H = step[1].shape
    dh_next = torch.from_numpy(rng.normal(size=(B, H)))
    dc_next = torch.from_numpy(rng.choice([-1.0, 1.0], (B, H)) * rng.uniform(0.3, 1.5, (B, H)))
    return (*step, dh_next, dc_next)


def _lstm_step_backward(
    x, h, c, W_ih, W_hh, b_ih, b_hh, dh_next, dc_next, order="ifgo", variant=""
):
    """The textbook backward by hand, or a variant with a known mistake (for the hints)."""
    pre = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    blocks = dict(zip("ifgo", pre.chunk(4, dim=1), strict=True))
    i, f, o = torch.sigmoid(blocks["i"]), torch.sigmoid(blocks["f"]), torch.sigmoid(blocks["o"])
    g = torch.tanh(blocks["g"])
    c_next = f * c + i * g
    tanh_c = torch.tanh(c_next)
    d_tanh = 1 - c_next**2 if variant == "tanh_prime_of_c" else 1 - tanh_c**2
    dc_total = dc_next if variant == "no_h_path" else dc_next + dh_next * o * d_tanh
    do = dh_next * tanh_c
    di, df, dg = dc_total * g, dc_total * c, dc_total * i
    dc = dc_total if variant == "dc_without_f" else dc_total * f

    def sig_prime(s):
        return s if variant == "sigmoid_prime_as_s" else s * (1 - s)

    d_pre = {
        "i": di * sig_prime(i),
        "f": df * sig_prime(f),
        "g": dg * (1 - g**2),
        "o": do * sig_prime(o),
    }
    if variant == "tanh_prime_of_preactivation":
        d_pre["g"] = dg * (1 - blocks["g"] ** 2)
    d_pre = torch.cat([d_pre[gate] for gate in order], dim=1)  # (B, 4H)
    db = d_pre.mean(0) if variant == "bias_mean" else d_pre.sum(0)
    return d_pre @ W_ih, d_pre @ W_hh, dc, d_pre.T @ x, d_pre.T @ h, db


def lstm_step_backward_reference(x, h, c, W_ih, W_hh, b_ih, b_hh, dh_next, dc_next):
    """Gradients of one LSTM step by hand: (dx, dh, dc, dW_ih, dW_hh, db).

    x (B, I), h and c (B, H) the step's inputs, W_ih (4H, I), W_hh (4H, H), b_ih and b_hh (4H,),
    dh_next = ∂L/∂h' and dc_next = ∂L/∂c' from later steps (not through h'), each (B, H).
    Returns dx (B, I), dh = ∂L/∂h (B, H), dc = ∂L/∂c (B, H), dW_ih (4H, I), dW_hh (4H, H) and
    db (4H,), the gradient of b_ih (equal to that of b_hh). Written by hand because a reference
    may not use autograd (the exercise forbids it); ``autograd_agrees`` checks it against autograd.
    """
    return _lstm_step_backward(x, h, c, W_ih, W_hh, b_ih, b_hh, dh_next, dc_next)


def autograd_agrees(seeds=range(1, 21), atol: float = 1e-12) -> bool:
    """Whether the reference equals torch.autograd.grad on the inputs of ``seeds`` (within atol)."""
    for seed in seeds:
        x, h, c, W_ih, W_hh, b_ih, b_hh, dh_next, dc_next = _backward_inputs(
            np.random.default_rng(seed)
        )
        leaves = [t.clone().requires_grad_(True) for t in (x, h, c, W_ih, W_hh, b_ih)]
        h_next, c_next = _lstm_step(*leaves, b_hh)
        loss = (h_next * dh_next).sum() + (c_next * dc_next).sum()
        by_autograd = torch.autograd.grad(loss, leaves)
        by_hand = lstm_step_backward_reference(x, h, c, W_ih, W_hh, b_ih, b_hh, dh_next, dc_next)
        if not all(
            torch.allclose(a, b, rtol=0, atol=atol)
            for a, b in zip(by_autograd, by_hand, strict=True)
        ):
            return False
    return True


def _backward_mistake(**kwargs):
    return lambda *args: _lstm_step_backward(*args, **kwargs)


register(
    Exercise(
        name="lstm_step_backward",
        points=5,
        reference=lstm_step_backward_reference,
        make_inputs=_backward_inputs,
        arg_names=("x", "h", "c", "W_ih", "W_hh", "b_ih", "b_hh", "dh_next", "dc_next"),
        mistakes=(
            (
                _backward_mistake(variant="no_h_path"),
                Hint(
                    "c' reaches the loss two ways: along the cell path (dc_next) and through h' = o * tanh(c'); "
                    "add dh_next * o * (1 - tanh(c')²) to dc_next before you go further back.",
                    "c'는 두 경로로 손실에 닿습니다: 셀 경로(dc_next)와 h' = o * tanh(c')를 거치는 경로입니다. 더 거슬러 가기 전에 dc_next에 dh_next * o * (1 - tanh(c')²)를 더하세요.",
                ),
            ),
            (
                _backward_mistake(variant="tanh_prime_of_c"),
                Hint(
                    "the derivative of tanh(c') is 1 - tanh(c')², not 1 - c'²: c' itself is not squashed.",
                    "tanh(c')의 도함수는 1 - c'²가 아니라 1 - tanh(c')²입니다: c' 자체는 압축되지 않은 값입니다.",
                ),
            ),
            (
                _backward_mistake(variant="dc_without_f"),
                Hint(
                    "∂L/∂c is the gradient at c' times ∂c'/∂c = f (step 3, c' = f * c + i * g): multiply by the forget gate.",
                    "∂L/∂c는 c'에서의 기울기에 ∂c'/∂c = f를 곱한 것입니다(3단계, c' = f * c + i * g): 망각 게이트를 곱하세요.",
                ),
            ),
            (
                _backward_mistake(variant="sigmoid_prime_as_s"),
                Hint(
                    "the sigmoid's derivative is σ(a)(1 - σ(a)), not σ(a): for the gates i, f, o multiply by s * (1 - s).",
                    "시그모이드의 도함수는 σ(a)가 아니라 σ(a)(1 - σ(a))입니다: 게이트 i, f, o에는 s * (1 - s)를 곱하세요.",
                ),
            ),
            (
                _backward_mistake(variant="tanh_prime_of_preactivation"),
                Hint(
                    "for the candidate g = tanh(a_g) the derivative is 1 - g², written with g itself, not with its pre-activation a_g.",
                    "후보 g = tanh(a_g)의 도함수는 1 - g²이며, 활성화 전 값 a_g가 아니라 g 자체로 씁니다.",
                ),
            ),
            (
                _backward_mistake(order="figo"),
                Hint(
                    "put the four pre-activation gradients back in torch's order i, f, g, o before the matmuls with W_ih and W_hh.",
                    "W_ih, W_hh와 행렬곱을 하기 전에 네 개의 활성화 전 기울기를 torch의 순서 i, f, g, o로 다시 놓으세요.",
                ),
            ),
            (
                _backward_mistake(order="ifog"),
                Hint(
                    "put the four pre-activation gradients back in torch's order i, f, g, o before the matmuls with W_ih and W_hh.",
                    "W_ih, W_hh와 행렬곱을 하기 전에 네 개의 활성화 전 기울기를 torch의 순서 i, f, g, o로 다시 놓으세요.",
                ),
            ),
            (
                _backward_mistake(variant="bias_mean"),
                Hint(
                    "the loss sums over the batch, so the bias gradient is the sum of the rows of ∂L/∂a, not their mean.",
                    "손실은 배치에 대해 합하므로, 편향의 기울기는 ∂L/∂a 행들의 평균이 아니라 합입니다.",
                ),
            ),
        ),
        forbidden=(
            "torch.autograd",
            "torch.autograd.forward_ad",
            "torch.Tensor.backward",
            "torch.func",
        ),
        rtol=1e-7,
        atol=1e-10,
    )
)
