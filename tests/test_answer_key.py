"""The answer key's hand-derived references agree with PyTorch's autograd and modules, so that a
learner who matches the reference matches the truth (float64, seeds 1-20)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from answer_key import ANSWERS, lstm

SEEDS = range(1, 21)


def _inputs(name, seed):
    return ANSWERS[name].make_inputs(np.random.default_rng(seed))


def test_lstm_step_backward_equals_autograd():
    assert lstm.autograd_agrees(SEEDS, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_classifier_backward_equals_autograd(seed):
    xs, h0, W_xh, W_hh, b, W_hy, b_y, labels = _inputs("rnn_classifier_backward", seed)
    leaves = [torch.from_numpy(a).requires_grad_() for a in (W_xh, W_hh, b, W_hy, b_y, h0)]
    Wx, Wh, bb, Wy, by, h = leaves
    for t in range(xs.shape[1]):
        h = torch.tanh(torch.from_numpy(xs[:, t]) @ Wx.T + h @ Wh.T + bb)
    loss = torch.nn.functional.cross_entropy(h @ Wy.T + by, torch.from_numpy(labels))
    by_autograd = torch.autograd.grad(loss, leaves)
    by_hand = ANSWERS["rnn_classifier_backward"].reference(xs, h0, W_xh, W_hh, b, W_hy, b_y, labels)
    for a, r in zip(by_autograd, by_hand, strict=True):
        np.testing.assert_allclose(r, a.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_gru_jacobian_paths_sum_to_autograds_jacobian_of_torchs_cell(seed):
    x, h, W_ih, W_hh, b_ih, b_hh = _inputs("gru_jacobian_paths", seed)
    cell = torch.nn.GRUCell(x.shape[1], h.shape[1]).double()
    with torch.no_grad():
        for p, v in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh), strict=True):
            p.copy_(v)
    keep, candidate, gate = ANSWERS["gru_jacobian_paths"].reference(x, h, W_ih, W_hh, b_ih, b_hh)
    for row in range(x.shape[0]):
        xr = x[row : row + 1]
        J = torch.autograd.functional.jacobian(lambda v, xr=xr: cell(xr, v[None])[0], h[row])
        torch.testing.assert_close(keep[row] + candidate[row] + gate[row], J, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_gain_is_the_spectral_norm_of_autograds_jacobian(seed):
    hs, W_hh = _inputs("gain_and_bound", seed)
    gain, bound = ANSWERS["gain_and_bound"].reference(hs, W_hh)
    T = hs.shape[0]
    for t in range(1, T):  # h_T as a function of h_t, with the steps' pre-activation inputs fixed
        W = torch.from_numpy(W_hh)
        drive = [np.arctanh(hs[s]) - W_hh @ hs[s - 1] for s in range(t, T)]

        def run(h, drive=drive, W=W):
            for d in drive:
                h = torch.tanh(torch.from_numpy(d) + W @ h)
            return h

        J = torch.autograd.functional.jacobian(run, torch.from_numpy(hs[t - 1]))
        np.testing.assert_allclose(gain[t - 1], torch.linalg.matrix_norm(J, 2).item(), rtol=1e-9)
        assert gain[t - 1] <= bound[t - 1] * (1 + 1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_relative_shift_moves_the_course_encoding_by_k(seed):
    from course_lib.attention import sinusoidal_positional_encoding

    d_model, offsets = _inputs("relative_shift", seed)
    M, dot = ANSWERS["relative_shift"].reference(d_model, offsets)
    P = sinusoidal_positional_encoding(200, d_model, dtype=torch.float64).numpy()
    for j, k in enumerate(offsets):
        for t in (60, 61, 100, 130):
            np.testing.assert_allclose(M[j] @ P[t], P[t + k], atol=1e-9)
            np.testing.assert_allclose(P[t] @ P[t + k], dot[j], atol=1e-9)
