"""Exercises of notebook 05 (기울기 소실 문제): the gradient through time, clipping by global norm."""

from __future__ import annotations

import numpy as np

from .spec import Exercise, Hint, register


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


def _clip_inputs(rng: np.random.Generator):
    """dW_xh (H, I), dW_hh (H, H), db (H,) and max_norm, a pure function of the seed.

    Odd seeds give a gradient above max_norm, even seeds one below it, so that the stored cases
    (seeds 1-5) meet both: some mistakes only show when clipping must act, one only when it must
    not; the grader's fresh seeds alternate odd and even too (``Exercise.fresh_seeds``).
    """
    seed = rng.bit_generator.seed_seq.entropy
    above = bool(seed % 2) if isinstance(seed, int) else bool(rng.integers(0, 2))
    H, I = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    grads = [rng.normal(0, 1, (H, I)), rng.normal(0, 1, (H, H)), rng.normal(0, 1, H)]
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    if above:
        # below the largest entry, so that clipping each entry by value would also act
        largest = max(float(np.abs(g).max()) for g in grads)
        max_norm = float(rng.uniform(0.3, 0.9)) * largest
    else:
        max_norm = float(rng.uniform(1.2, 3.0)) * total
    return (*grads, max_norm)


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
                Hint(
                    "h_{t+1} = tanh(h_t @ W_hh.T + ...), so going back multiplies by W_hh itself: d @ W_hh, not d @ W_hh.T.",
                    "h_{t+1} = tanh(h_t @ W_hh.T + ...)이므로 거슬러 갈 때는 W_hh 그대로 곱합니다: `d @ W_hh.T`가 아니라 `d @ W_hh`입니다.",
                ),
            ),
            (
                lambda dh, hs, W: _backward_in_time(
                    dh, hs, W, lambda d, h_next, h: (d * (1 - h**2)) @ W
                ),
                Hint(
                    "the factor tanh' belongs to the step you go back through: use 1 - h_{t+1}**2 of the LATER state, not 1 - h_t**2.",
                    "tanh' 인수는 거슬러 지나가는 시점의 것입니다: 1 - h_t**2가 아니라 나중 상태의 1 - h_{t+1}**2를 쓰세요.",
                ),
            ),
            (
                lambda dh, hs, W: _backward_in_time(dh, hs, W, lambda d, h_next, h: d @ W),
                Hint(
                    "each step back multiplies by tanh'(a) = 1 - h_{t+1}**2 before W_hh: ∂h_{t+1}/∂h_t = diag(1 - h_{t+1}²) W_hh.",
                    "한 시점 거슬러 갈 때마다 W_hh보다 먼저 tanh'(a) = 1 - h_{t+1}**2를 곱합니다: ∂h_{t+1}/∂h_t = diag(1 - h_{t+1}²) W_hh.",
                ),
            ),
            (
                lambda dh, hs, W: _backward_in_time(
                    dh, hs, W, lambda d, h_next, h: (d * (1 - np.tanh(h_next) ** 2)) @ W
                ),
                Hint(
                    "hs already hold tanh(a): tanh'(a) = 1 - h**2, not 1 - tanh(h)**2.",
                    "`hs`에는 이미 tanh(a)가 들어 있습니다: tanh'(a)는 1 - tanh(h)**2가 아니라 1 - h**2입니다.",
                ),
            ),
            (
                lambda dh, hs, W: grad_through_time_reference(dh, hs, W)[:, ::-1],
                Hint(
                    "keep time order: index t of the result is ∂L/∂h_{t+1}, so the LAST entry is dh_T itself.",
                    "시간 순서를 지키세요: 결과의 인덱스 t는 ∂L/∂h_{t+1}이므로 마지막 항목은 dh_T 그대로입니다.",
                ),
            ),
            (
                lambda dh, hs, W: _backward_in_time(
                    dh,
                    hs,
                    W,
                    lambda d, h_next, h: (d * (1 - h_next**2)) @ W,
                    store=lambda d, h: d * (1 - h**2),
                ),
                Hint(
                    "return the gradient on h_t, not on the pre-activation a_t: do not multiply the stored values by 1 - h_t**2.",
                    "활성화 전 값 a_t가 아니라 h_t에 대한 기울기를 반환하세요: 저장된 값에 1 - h_t**2를 곱하지 마세요.",
                ),
            ),
        ),
    )
)

register(
    Exercise(
        name="clip_by_global_norm",
        points=2,
        reference=clip_by_global_norm_reference,
        make_inputs=_clip_inputs,
        arg_names=("dW_xh", "dW_hh", "db", "max_norm"),
        mistakes=(
            (
                _per_array,
                Hint(
                    "clip by the GLOBAL norm: one norm over all three gradients together, and one scale for all of them.",
                    "전역(global) 노름으로 자르세요: 세 기울기를 모두 합친 노름 하나와, 모두에 똑같이 곱할 배율 하나를 씁니다.",
                ),
            ),
            (
                _by_value,
                Hint(
                    "clip the norm, not each entry: multiply every gradient by max_norm / total_norm, which keeps the direction.",
                    "항목마다 자르지 말고 노름을 자르세요: 모든 기울기에 `max_norm / total_norm`을 곱하면 방향이 유지됩니다.",
                ),
            ),
            (
                _clip_with(
                    lambda gs: np.sqrt(sum(np.sum(g**2) for g in gs)), lambda total, m: m / total
                ),
                Hint(
                    "leave the gradients unchanged when total_norm <= max_norm: clipping only ever shrinks them.",
                    "`total_norm <= max_norm`이면 기울기를 그대로 두세요: 클리핑은 기울기를 줄이기만 합니다.",
                ),
            ),
            (
                _norm_after,
                Hint(
                    "return total_norm as measured BEFORE clipping: it tells how large the gradient was.",
                    "`total_norm`은 클리핑 전에 잰 값을 반환하세요: 기울기가 얼마나 컸는지 알려 주는 값입니다.",
                ),
            ),
            (
                _clip_with(lambda gs: sum(np.sum(g**2) for g in gs)),
                Hint(
                    "total_norm is the square ROOT of the sum of all squared entries.",
                    "`total_norm`은 모든 항목의 제곱합의 제곱근입니다.",
                ),
            ),
            (
                _clip_with(lambda gs: sum(np.linalg.norm(g) for g in gs)),
                Hint(
                    "the global norm is sqrt(‖dW_xh‖² + ‖dW_hh‖² + ‖db‖²), not ‖dW_xh‖ + ‖dW_hh‖ + ‖db‖.",
                    "전역 노름은 ‖dW_xh‖ + ‖dW_hh‖ + ‖db‖가 아니라 sqrt(‖dW_xh‖² + ‖dW_hh‖² + ‖db‖²)입니다.",
                ),
            ),
        ),
    )
)


# --- Main exercise: the gain ‖∂h_T/∂h_t‖₂ against its per-step bound ------------------------------


def _gain_inputs(rng: np.random.Generator):
    """hs (T, H): the states h_1..h_T of one tanh RNN sequence, and its W_hh (H, H).

    W_hh is unsymmetric, sometimes with σ_max above 1 and sometimes below, and the inputs drive
    some units towards saturation, so that tanh', the order of the Jacobians and the side they
    scale each change the result well beyond the tolerance.
    """
    T, H = int(rng.integers(4, 11)), int(rng.integers(3, 7))
    I = H + 1
    W_xh = rng.normal(0, 1.0, (H, I))
    W_hh = rng.normal(0, float(rng.uniform(0.6, 1.6)) / np.sqrt(H), (H, H))
    x, h = rng.normal(size=(T, I)), np.zeros(H)
    hs = np.empty((T, H))
    for t in range(T):
        h = np.tanh(W_xh @ x[t] + W_hh @ h)
        hs[t] = h
    return hs, W_hh


def _gain_and_bound(hs, W_hh, jacobian, norm=lambda M: np.linalg.norm(M, 2), later_left=True):
    """gain (T,) and bound (T,) walking back from h_T; ``jacobian(hs, W_hh, i)`` is J of hs[i]."""
    T = hs.shape[0]
    gain, bound = np.ones(T), np.ones(T)
    product = np.eye(W_hh.shape[0])
    for i in range(T - 1, 0, -1):  # hs[i] is h_{i+1}: one step back, from h_{i+1} to h_i
        J = jacobian(hs, W_hh, i)
        product = product @ J if later_left else J @ product
        gain[i - 1] = norm(product)
        bound[i - 1] = bound[i] * norm(J)
    return gain, bound


def _jacobian(hs, W_hh, i):
    # ∂h_{i+1}/∂h_i = diag(1 - h_{i+1}²) W_hh: tanh' scales the rows, the outputs of the step
    return (1 - hs[i] ** 2)[:, None] * W_hh


def gain_and_bound_reference(hs, W_hh):
    """gain (T,) and bound (T,), index t-1 for h_t; both 1 at t = T.

    gain[t-1] = σ_max(J_T ⋯ J_{t+1}) = ‖∂h_T/∂h_t‖₂ and bound[t-1] = σ_max(J_T) ⋯ σ_max(J_{t+1}),
    with J_s = diag(1 - h_s²) W_hh.
    """
    return _gain_and_bound(hs, W_hh, _jacobian)


def _crude_bound(hs, W_hh):
    gain, _ = gain_and_bound_reference(hs, W_hh)
    steps_back = np.arange(hs.shape[0] - 1, -1, -1)
    return gain, np.linalg.norm(W_hh, 2) ** steps_back


register(
    Exercise(
        name="gain_and_bound",
        points=4,
        reference=gain_and_bound_reference,
        make_inputs=_gain_inputs,
        arg_names=("hs", "W_hh"),
        rtol=1e-7,
        atol=1e-12,
        mistakes=(
            (
                lambda hs, W: _gain_and_bound(hs, W, _jacobian, norm=np.linalg.norm),
                Hint(
                    "np.linalg.norm(M) of a matrix is the Frobenius norm; the gain is the spectral norm "
                    "σ_max, np.linalg.norm(M, 2).",
                    "행렬에 대한 `np.linalg.norm(M)`은 프로베니우스 노름입니다: 이득은 스펙트럼 노름 σ_max, 곧 `np.linalg.norm(M, 2)`입니다.",
                ),
            ),
            (
                lambda hs, W: _gain_and_bound(hs, W, _jacobian, later_left=False),
                Hint(
                    "∂h_T/∂h_t = J_T ⋯ J_{t+1}: the LATEST step's Jacobian stands on the left, so each step "
                    "back multiplies the product from the right; the order changes σ_max.",
                    "∂h_T/∂h_t = J_T ⋯ J_{t+1}: 가장 나중 시점의 야코비 행렬이 왼쪽에 서므로, 한 시점 거슬러 갈 때마다 곱의 오른쪽에 곱합니다. 순서가 바뀌면 σ_max도 바뀝니다.",
                ),
            ),
            (
                lambda hs, W: _gain_and_bound(
                    hs, W, lambda hs_, W_, i: (1 - hs_[i - 1] ** 2)[:, None] * W_
                ),
                Hint(
                    "the tanh' of a step is that of its OUTPUT: going back from h_{t+1} to h_t uses "
                    "1 - h_{t+1}², not 1 - h_t².",
                    "한 시점의 tanh'는 그 시점의 출력으로 정해집니다: h_{t+1}에서 h_t로 거슬러 갈 때는 1 - h_t²가 아니라 1 - h_{t+1}²를 씁니다.",
                ),
            ),
            (
                lambda hs, W: _gain_and_bound(hs, W, lambda hs_, W_, i: W_ * (1 - hs_[i] ** 2)),
                Hint(
                    "tanh' scales the rows of W_hh (the step's outputs): diag(1 - h²) W_hh, not "
                    "W_hh diag(1 - h²).",
                    "tanh'는 W_hh의 행(그 시점의 출력)에 곱해집니다: W_hh diag(1 - h²)가 아니라 diag(1 - h²) W_hh입니다.",
                ),
            ),
            (
                lambda hs, W: _gain_and_bound(
                    hs, W, lambda hs_, W_, i: (1 - hs_[i] ** 2)[:, None] * W_.T
                ),
                Hint(
                    "h_{t+1} = tanh(W_hh h_t + W_xh x_{t+1}), so ∂h_{t+1}/∂h_t = diag(1 - h_{t+1}²) W_hh, "
                    "with W_hh itself, not its transpose.",
                    "h_{t+1} = tanh(W_hh h_t + W_xh x_{t+1})이므로 ∂h_{t+1}/∂h_t = diag(1 - h_{t+1}²) W_hh입니다: W_hh의 전치가 아니라 W_hh 그대로 씁니다.",
                ),
            ),
            (
                lambda hs, W: _gain_and_bound(hs, W, lambda hs_, W_, i: W_),
                Hint(
                    "each step's Jacobian includes tanh': J = diag(1 - h²) W_hh, not W_hh alone.",
                    "각 시점의 야코비 행렬에는 tanh'가 들어갑니다: W_hh만이 아니라 J = diag(1 - h²) W_hh입니다.",
                ),
            ),
            (
                _crude_bound,
                Hint(
                    "the bound asked for is the per-step one, each step with its own tanh': "
                    "σ_max(diag(1 - h_s²) W_hh), multiplied over the steps, not σ_max(W_hh) to a power.",
                    "구하는 상한은 시점별 상한입니다: σ_max(W_hh)의 거듭제곱이 아니라, 시점마다 자기 tanh'를 넣은 σ_max(diag(1 - h_s²) W_hh)를 모든 시점에 걸쳐 곱합니다.",
                ),
            ),
            (
                lambda hs, W: tuple(a[::-1].copy() for a in gain_and_bound_reference(hs, W)),
                Hint(
                    "keep time order: index t-1 holds the values for h_t, so the LAST entries "
                    "(t = T, no step back) are 1.",
                    "시간 순서를 지키세요: 인덱스 t-1에 h_t의 값이 들어가므로 마지막 항목(t = T, 거슬러 갈 시점 없음)은 1입니다.",
                ),
            ),
        ),
        forbidden=(
            "torch.autograd",
            "torch.func.jacrev",
            "torch.func.jacfwd",
            "torch.func.vjp",
        ),
    )
)
