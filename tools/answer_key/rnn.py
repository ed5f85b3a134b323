"""Exercises of notebook 02 (RNN): one NumPy step and its backward pass."""

from __future__ import annotations

import numpy as np

from .spec import Exercise, Hint, register


def _step_inputs(rng: np.random.Generator):
    """x (B, I), prev_h (B, H), W_xh (H, I), W_hh (H, H), b (H,) with I != H so transposes show."""
    B, I = int(rng.integers(2, 6)), int(rng.integers(3, 8))
    H = I + int(rng.integers(1, 4))
    return (
        rng.normal(size=(B, I)),
        rng.normal(size=(B, H)),
        rng.normal(0, 0.5, (H, I)),
        rng.normal(0, 0.5, (H, H)),
        rng.normal(0, 0.5, H),
    )


def rnn_step_reference(x, prev_h, W_xh, W_hh, b):
    """h_t = tanh(W_xh x_t + W_hh h_{t-1} + b) on row vectors: (B, H)."""
    return np.tanh(x @ W_xh.T + prev_h @ W_hh.T + b)


def _step_backward_inputs(rng: np.random.Generator):
    x, prev_h, W_xh, W_hh, b = _step_inputs(rng)
    next_h = rnn_step_reference(x, prev_h, W_xh, W_hh, b)
    return rng.normal(size=next_h.shape), x, prev_h, W_xh, W_hh, next_h


def rnn_step_backward_reference(dnext_h, x, prev_h, W_xh, W_hh, next_h):
    """(dx (B, I), dprev_h (B, H), dW_xh (H, I), dW_hh (H, H), db (H,)) of one tanh step."""
    da = dnext_h * (1.0 - next_h**2)
    return da @ W_xh, da @ W_hh, da.T @ x, da.T @ prev_h, da.sum(axis=0)


register(
    Exercise(
        name="rnn_step",
        points=2,
        reference=rnn_step_reference,
        make_inputs=_step_inputs,
        arg_names=("x", "prev_h", "W_xh", "W_hh", "b"),
        mistakes=(
            (
                lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh + b),
                Hint(
                    "did you multiply by W_hh instead of its transpose? Rows are examples, so use prev_h @ W_hh.T.",
                    "W_hh의 전치 대신 W_hh를 곱하지 않았나요? 행 하나가 예제 하나이므로 `prev_h @ W_hh.T`를 쓰세요.",
                ),
            ),
            (
                lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T + b,
                Hint(
                    "the step ends with tanh: h_t = tanh(...).",
                    "한 시점의 계산은 tanh로 끝납니다: h_t = tanh(...).",
                ),
            ),
            (
                lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T),
                Hint("do not forget the bias b.", "편향 `b`를 빠뜨리지 마세요."),
            ),
            (
                lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + b),
                Hint(
                    "the previous state prev_h must enter through W_hh.",
                    "이전 상태 `prev_h`는 W_hh를 거쳐 들어가야 합니다.",
                ),
            ),
        ),
    )
)

register(
    Exercise(
        name="rnn_step_backward",
        points=3,
        reference=rnn_step_backward_reference,
        make_inputs=_step_backward_inputs,
        arg_names=("dnext_h", "x", "prev_h", "W_xh", "W_hh", "next_h"),
        mistakes=(
            (
                lambda d, x, h, Wx, Wh, nh: rnn_step_backward_reference(
                    d / (1.0 - nh**2), x, h, Wx, Wh, nh
                ),
                Hint(
                    "multiply dnext_h by tanh'(a) = 1 - next_h**2 before anything else.",
                    "무엇보다 먼저 `dnext_h`에 tanh'(a) = 1 - next_h**2를 곱하세요.",
                ),
            ),
            (
                lambda d, x, h, Wx, Wh, nh: rnn_step_backward_reference(
                    d * (1.0 - np.tanh(nh) ** 2) / (1.0 - nh**2), x, h, Wx, Wh, nh
                ),
                Hint(
                    "next_h is already tanh(a): tanh'(a) = 1 - next_h**2, not 1 - tanh(next_h)**2.",
                    "`next_h`는 이미 tanh(a)입니다: tanh'(a)는 1 - tanh(next_h)**2가 아니라 1 - next_h**2입니다.",
                ),
            ),
            (
                lambda d, x, h, Wx, Wh, nh: (lambda g: (g[0], g[1], g[2], g[3].T, g[4]))(
                    rnn_step_backward_reference(d, x, h, Wx, Wh, nh)
                ),
                Hint(
                    "dW_hh is da.T @ prev_h (H, H), not its transpose prev_h.T @ da.",
                    "dW_hh는 그 전치인 `prev_h.T @ da`가 아니라 `da.T @ prev_h` (H, H)입니다.",
                ),
            ),
        ),
    )
)


# --- The main exercise: BPTT for a many-to-one classifier, built from the step ------------------


def _classifier_inputs(rng: np.random.Generator):
    """xs (B, T, I), h0 (B, H), W_xh (H, I), W_hh (H, H), b (H,), W_hy (C, H), b_y (C,), labels (B,).

    I, H and C all differ, so a transposed weight or gradient shows as a wrong shape.
    """
    B, T = int(rng.integers(2, 6)), int(rng.integers(3, 8))
    I, H, C = int(rng.integers(2, 5)), int(rng.integers(5, 8)), int(rng.integers(2, 5))
    if C == I:
        C = I + 1 if I + 1 < H else I - 1
    return (
        rng.normal(size=(B, T, I)),
        rng.normal(0, 0.5, (B, H)),
        rng.normal(0, 0.5, (H, I)),
        rng.normal(0, 0.4, (H, H)),
        rng.normal(0, 0.1, H),
        rng.normal(0, 0.5, (C, H)),
        rng.normal(0, 0.1, C),
        rng.integers(0, C, size=B).astype(np.int64),
    )


def _classifier_backward(
    xs, h0, W_xh, W_hh, b, W_hy, b_y, labels, *, steps=None, accumulate=True, prev_is_next=False,
    batch_mean=True, sign=1.0, return_dh0=True,
):  # fmt: skip
    """The reference, with switches that reproduce the common mistakes (defaults: correct)."""
    B, T, _ = xs.shape
    hs = [h0]
    for t in range(T):  # h_t = tanh(W_xh x_t + W_hh h_{t-1} + b)
        hs.append(rnn_step_reference(xs[:, t], hs[-1], W_xh, W_hh, b))
    logits = hs[-1] @ W_hy.T + b_y  # (B, C)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dlogits = sign * (p - np.eye(W_hy.shape[0])[labels]) / (B if batch_mean else 1)
    dW_hy, db_y = dlogits.T @ hs[-1], dlogits.sum(axis=0)
    dh = dlogits @ W_hy  # ∂L/∂h_T; no loss term at earlier steps
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b)
    for t in reversed(range(T - (steps or T), T)):
        prev = hs[t + 1] if prev_is_next else hs[t]
        _, dh, dWx_t, dWh_t, db_t = rnn_step_backward_reference(
            dh, xs[:, t], prev, W_xh, W_hh, hs[t + 1]
        )
        if accumulate:
            dW_xh, dW_hh, db = dW_xh + dWx_t, dW_hh + dWh_t, db + db_t
        else:
            dW_xh, dW_hh, db = dWx_t, dWh_t, db_t
    return dW_xh, dW_hh, db, dW_hy, db_y, dh if return_dh0 else np.zeros_like(h0)


def rnn_classifier_backward_reference(xs, h0, W_xh, W_hh, b, W_hy, b_y, labels):
    """Gradients of L = mean cross-entropy of softmax(W_hy h_T + b_y) for an RNN run from h0.

    xs (B, T, I), h0 (B, H), W_xh (H, I), W_hh (H, H), b (H,), W_hy (C, H), b_y (C,),
    labels (B,) int. Returns (dW_xh (H, I), dW_hh (H, H), db (H,), dW_hy (C, H), db_y (C,),
    dh0 (B, H)).
    """
    return _classifier_backward(xs, h0, W_xh, W_hh, b, W_hy, b_y, labels)


register(
    Exercise(
        name="rnn_classifier_backward",
        points=5,
        reference=rnn_classifier_backward_reference,
        make_inputs=_classifier_inputs,
        arg_names=("xs", "h0", "W_xh", "W_hh", "b", "W_hy", "b_y", "labels"),
        mistakes=(
            (
                lambda *a: _classifier_backward(*a, steps=1),
                Hint(
                    "h_T depends on every earlier step: carry dprev_h back through all T steps, down "
                    "to dh0, and add each step's weight gradients.",
                    "h_T는 앞선 모든 시점에 의존합니다: dprev_h를 T개 시점 전부를 거쳐 dh0까지 거슬러 전달하고, 시점마다 가중치 기울기를 더하세요.",
                ),
            ),
            (
                lambda *a: _classifier_backward(*a, accumulate=False),
                Hint(
                    "W_xh, W_hh and b are used at every step: their gradient is the sum of all steps' "
                    "gradients, not the last one computed.",
                    "W_xh, W_hh, b는 모든 시점에서 쓰입니다: 그 기울기는 마지막에 계산한 것이 아니라 모든 시점 기울기의 합입니다.",
                ),
            ),
            (
                lambda *a: _classifier_backward(*a, prev_is_next=True),
                Hint(
                    "at step t the step's prev_h is h_{t-1} (h0 at the first step), not h_t.",
                    "시점 t의 `prev_h`는 h_t가 아니라 h_{t-1}입니다(첫 시점에서는 h0).",
                ),
            ),
            (
                lambda *a: _classifier_backward(*a, batch_mean=False),
                Hint(
                    "the loss is the mean over the B sentences, so ∂L/∂logits = (softmax - one-hot) / B.",
                    "손실은 B개 문장에 대한 평균이므로 ∂L/∂logits = (softmax - one-hot) / B입니다.",
                ),
            ),
            (
                lambda *a: _classifier_backward(*a, sign=-1.0),
                Hint(
                    "∂L/∂logits = softmax(logits) - one_hot(labels), not one-hot minus softmax.",
                    "∂L/∂logits는 원-핫에서 softmax를 뺀 것이 아니라 `softmax(logits) - one_hot(labels)`입니다.",
                ),
            ),
            (
                lambda *a: _classifier_backward(*a, return_dh0=False),
                Hint(
                    "h0 feeds the first step: dh0 is the dprev_h that the first step's backward returns.",
                    "h0은 첫 시점에 들어갑니다: dh0은 첫 시점의 역전파가 반환하는 dprev_h입니다.",
                ),
            ),
        ),
        forbidden=("torch.autograd", "torch.Tensor.backward"),
    )
)
