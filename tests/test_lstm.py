"""Tests of course_lib.lstm: LSTMCell and LSTM equal torch.nn's; LSTM's fast path
(course_lib.lstm_bptt) equals the step under autograd; gates; forget-gate bias."""

import pytest
import torch
from recurrent_parity import (
    LAYER_CONFIGS,
    TOLERANCES,
    assert_matches_torch,
    assert_modules_agree,
    config_id,
    make_pair,
)
from torch import nn

from course_lib import lstm, lstm_bptt
from course_lib.recurrent import RecurrentLayer

DTYPES = pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)


class StepByStepLSTM(lstm.LSTM):
    """``lstm.LSTM`` with each layer-direction run as the step looped under autograd.

    The generic ``RecurrentLayer._run`` calls ``_LSTMStep.step`` once per time step, as
    ``LSTMCell`` does: the teaching path, against which the fast path is proven.
    """

    _run = RecurrentLayer._run


# Both paths compute the same equations; they round differently only where the fast path fuses
# operations (addcmul, the sigmoid of all four gates in one call) and where it sums over time
# in one matmul (weight gradients) instead of step by step. float64 then agrees to about 1e-14
# (measured: at most 7e-15 over 50 steps), so 1e-12 holds with room; float32 keeps the
# tolerance argued in recurrent_parity.TOLERANCES (differences below 1e-6 of each tensor's scale).
STEP_TOLERANCES = {torch.float64: (1e-12, 1e-12), torch.float32: TOLERANCES[torch.float32]}


@DTYPES
@pytest.mark.parametrize("config", LAYER_CONFIGS, ids=config_id)
def test_lstm_fast_path_equals_the_step_under_autograd(config, dtype):
    # outputs, h_n, c_n, the gates and cell states of return_gates, and the gradients of the
    # input, h_0, c_0 and every weight and bias; long enough for the backward loop to matter
    assert_modules_agree(
        lstm.LSTM,
        StepByStepLSTM,
        with_hx=True,
        return_gates=True,
        time=9,
        dtype=dtype,
        tolerance=STEP_TOLERANCES[dtype],
        **config,
    )


def test_lstm_fast_path_equals_the_step_unbatched_and_from_zero_states():
    assert_modules_agree(
        lstm.LSTM,
        StepByStepLSTM,
        batched=False,
        return_gates=True,
        tolerance=STEP_TOLERANCES[torch.float64],
        num_layers=2,
        bidirectional=True,
    )


def test_lstm_cell_gates_reproduce_torch_state():
    torch.manual_seed(0)
    ours, theirs = make_pair(lstm.LSTMCell, nn.LSTMCell)
    x = torch.randn(4, 3, dtype=torch.float64)
    h, c = torch.randn(2, 4, 5, dtype=torch.float64)
    (h_ours, c_ours), gates = ours(x, (h, c), return_gates=True)
    h_torch, c_torch = theirs(x, (h, c))
    torch.testing.assert_close(gates.f * c + gates.i * gates.g, c_torch, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gates.o * torch.tanh(gates.c), h_torch, rtol=1e-10, atol=1e-12)
    for gate in (gates.i, gates.f, gates.o):
        assert ((gate > 0) & (gate < 1)).all()
    assert torch.equal(h_ours, ours(x, (h, c))[0])


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_layer_gates_reproduce_torch_output_per_layer_and_direction(batch_first):
    torch.manual_seed(1)
    kwargs = {"num_layers": 2, "bidirectional": True, "batch_first": batch_first}
    ours, theirs = make_pair(lstm.LSTM, nn.LSTM, **kwargs)
    x = torch.randn(2, 6, 3, dtype=torch.float64)  # (T, B, I) or (B, T, I)
    output, (h_n, c_n), gates = ours(x, return_gates=True)
    torch_output, (_, torch_c_n) = theirs(x)
    torch.testing.assert_close(output, ours(x)[0], rtol=0, atol=0)
    time_dim = 1 if batch_first else 0
    T = x.shape[time_dim]
    assert gates.c.shape == (4, *torch_output.shape[:2], 5)
    # the last layer's h_t = o_t * tanh(c_t) is torch's output, forward then reverse half
    h_from_gates = gates.o[2:] * torch.tanh(gates.c[2:])
    torch.testing.assert_close(
        torch.cat(tuple(h_from_gates), dim=-1), torch_output, rtol=1e-10, atol=1e-12
    )
    # each direction ends where it finishes reading: forward at t = T-1, reverse at t = 0
    for k in range(4):
        last = gates.c[k].select(time_dim, T - 1 if k % 2 == 0 else 0)
        torch.testing.assert_close(last, torch_c_n[k], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_lstm_hand_written_bptt_passes_gradcheck(reverse, bias):
    torch.manual_seed(2)
    T, B, I, H = 5, 2, 3, 2
    shapes = [(T, B, I), (B, H), (B, H), (4 * H, I), (4 * H, H)] + ([(4 * H,)] if bias else [])
    inputs = tuple(torch.randn(s, dtype=torch.float64, requires_grad=True) for s in shapes)

    def layer(x, h0, c0, weight_ih, weight_hh, b=None):
        h, h_n, c_n, _, _ = lstm_bptt.LSTMLayerFunction.apply(
            x, h0, c0, weight_ih, weight_hh, b, reverse
        )
        return h, h_n, c_n

    assert torch.autograd.gradcheck(layer, inputs)


@DTYPES
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
def test_lstm_bptt_matches_torch_two_layers_bidirectional_with_hx(batch_first, dtype):
    # longer than the parity grid's sequences, so the backward loop runs many steps; float32 as
    # the notebooks run it, against torch's own kernels
    assert_matches_torch(
        lstm.LSTM,
        nn.LSTM,
        with_hx=True,
        time=17,
        batch=3,
        hidden_size=6,
        num_layers=2,
        bidirectional=True,
        batch_first=batch_first,
        dtype=dtype,
    )


def test_lstm_gradient_through_final_cell_state_alone_matches_torch():
    torch.manual_seed(3)
    ours, theirs = make_pair(lstm.LSTM, nn.LSTM, num_layers=2)
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    grads = []
    for module in (ours, theirs):
        x_leaf = x.clone().requires_grad_(True)
        _, (_, c_n) = module(x_leaf)
        c_n.sum().backward()  # the last layer's h and h_n get no gradient: None in the backward
        grads.append([x_leaf.grad, *(p.grad for p in module.parameters())])
    for ours_grad, torch_grad in zip(*grads, strict=True):
        torch.testing.assert_close(ours_grad, torch_grad, rtol=1e-10, atol=1e-12)


def test_lstm_layer_gates_carry_no_gradient_but_output_does():
    x = torch.randn(4, 2, 3, requires_grad=True)
    output, _, gates = lstm.LSTM(3, 5)(x, return_gates=True)
    assert output.requires_grad
    assert not any(gate.requires_grad for gate in gates)


def test_lstm_unbatched_gates_drop_the_batch_dimension():
    lstm_layer = lstm.LSTM(3, 5).double()
    x = torch.randn(7, 3, dtype=torch.float64)
    output, _, gates = lstm_layer(x, return_gates=True)
    assert gates.f.shape == (1, 7, 5)
    torch.testing.assert_close(gates.o[0] * torch.tanh(gates.c[0]), output)


def test_lstm_rejects_projections():
    with pytest.raises(ValueError, match="proj_size"):
        lstm.LSTM(3, 5, proj_size=2)


@pytest.mark.parametrize(
    ("hx", "expected"),
    [
        (torch.zeros(1, 2, 5), "tuple (h_0, c_0)"),
        ((torch.zeros(1, 2, 5), torch.zeros(2, 2, 5)), "c_0 must be (1, 2, 5), got (2, 2, 5)"),
        (tuple(torch.zeros(2, 1, 2, 5, dtype=torch.float64)), "h_0 must have the input's dtype"),
    ],
    ids=["not-a-tuple", "wrong-c0", "wrong-dtype"],
)
def test_lstm_wrong_hx_raises_value_error(hx, expected):
    with pytest.raises(ValueError) as error:
        lstm.LSTM(3, 5)(torch.zeros(4, 2, 3), hx)
    assert expected in str(error.value)


def test_lstm_cell_wrong_input_raises_value_error_naming_expected_and_actual():
    with pytest.raises(ValueError) as error:
        lstm.LSTMCell(3, 5)(torch.zeros(2, 4))
    assert "(batch, 3)" in str(error.value)
    assert "(2, 4)" in str(error.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: lstm.LSTM(3, 5, num_layers=2, bidirectional=True),
        lambda: nn.LSTM(3, 5, num_layers=2),
        lambda: lstm.LSTMCell(3, 5),
        lambda: nn.LSTMCell(3, 5),
    ],
    ids=["course-layer", "torch-layer", "course-cell", "torch-cell"],
)
def test_set_forget_bias_sets_total_forget_bias_and_leaves_other_gates(make):
    module = make()
    before = {name: p.detach().clone() for name, p in module.named_parameters()}
    lstm.set_forget_bias_(module, 1.5)
    params = dict(module.named_parameters())
    for name in params:
        if name.startswith("bias_ih"):
            total = params[name] + params[name.replace("bias_ih", "bias_hh")]
            torch.testing.assert_close(total[5:10], torch.full((5,), 1.5))
            rows = torch.cat([torch.arange(5), torch.arange(10, 20)])
            torch.testing.assert_close(params[name][rows], before[name][rows])
        elif name.startswith("weight"):
            assert torch.equal(params[name], before[name])


def test_set_forget_bias_requires_biases():
    with pytest.raises(ValueError, match="bias"):
        lstm.set_forget_bias_(nn.LSTM(3, 5, bias=False))


def _torch_cell_state_grad_norm(reference: nn.LSTM, x: torch.Tensor, t: int) -> torch.Tensor:
    """‖∂(h_T.sum())/∂c_t‖ from torch's own LSTM, t = 1..T: c_t a leaf, h_t = o_t tanh(c_t) on it."""
    B, T, _ = x.shape
    H = reference.hidden_size
    h_prev = x.new_zeros(1, B, H)
    if t > 1:
        _, (h_prev, _) = reference(x[:, : t - 1])
    _, (_, c_t) = reference(x[:, :t])
    p = dict(reference.named_parameters())
    with torch.no_grad():  # o_t = σ(a_o) at step t, torch's gate order i, f, g, o
        a = x[:, t - 1] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h_prev[0] @ p["weight_hh_l0"].T
        o_t = torch.sigmoid((a + p["bias_hh_l0"])[:, 3 * H :])
    c_t = c_t.detach().requires_grad_(True)
    h_t = o_t * torch.tanh(c_t)
    h_T = reference(x[:, t:], (h_t, c_t))[0][:, -1] if t < T else h_t[0]
    h_T.sum().backward()
    return c_t.grad.norm()


@pytest.mark.parametrize("make", [lstm.LSTMCell, nn.LSTMCell], ids=["course-cell", "torch-cell"])
def test_state_grad_norms_match_torch_lstm_with_the_cell_state_as_a_leaf(make):
    from course_lib.gradients import hidden_state_grad_norms

    torch.manual_seed(4)
    T, B, I, H = 7, 3, 2, 5
    cell = make(I, H).double()
    lstm.set_forget_bias_(cell, 1.0)
    reference = nn.LSTM(I, H, batch_first=True).double()
    reference.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    x = torch.randn(B, T, I, dtype=torch.float64)
    h_norms, c_norms = lstm.state_grad_norms(cell, x)
    assert h_norms.shape == c_norms.shape == (T,)
    torch.testing.assert_close(h_norms, hidden_state_grad_norms(cell, x), rtol=1e-12, atol=0)
    expected = torch.stack([_torch_cell_state_grad_norm(reference, x, t) for t in range(1, T + 1)])
    torch.testing.assert_close(c_norms, expected, rtol=1e-10, atol=1e-14)


def test_state_grad_norms_reject_input_of_the_wrong_size():
    with pytest.raises(ValueError, match=r"\(batch, time, 2\)"):
        lstm.state_grad_norms(lstm.LSTMCell(2, 3), torch.zeros(4, 5, 3))
