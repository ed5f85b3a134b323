"""The adding-problem regressor and trainer: same model on both backends, seeded, and it learns."""

import pytest
import torch
from torch import nn

from course_lib.long_range import (
    BASELINE_MSE,
    KINDS,
    AddingRegressor,
    adding_test_set,
    train_adding,
)
from course_lib.tasks import adding_problem


@pytest.mark.parametrize("kind", KINDS)
def test_course_and_torch_backends_start_equal_and_compute_the_same(kind):
    torch.manual_seed(0)
    ours = AddingRegressor(kind, 8).double()
    torch.manual_seed(0)
    theirs = AddingRegressor(kind, 8, backend="torch").double()
    assert isinstance(theirs.rnn, nn.RNNBase) and not isinstance(ours.rnn, nn.RNNBase)
    for (name, a), (other, b) in zip(
        ours.state_dict().items(), theirs.state_dict().items(), strict=True
    ):
        assert name == other and torch.equal(a, b), name
    x = adding_problem(5, 7, seed=1)[0].double()
    out_ours, out_theirs = ours(x), theirs(x)
    assert out_ours.shape == (5,)
    torch.testing.assert_close(out_ours, out_theirs, rtol=0, atol=1e-12)
    out_ours.sum().backward()
    out_theirs.sum().backward()
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", ["course", "torch"])
def test_irnn_is_relu_with_identity_recurrent_weights_and_zero_biases(backend):
    model = AddingRegressor("irnn", 6, backend=backend)
    assert model.rnn.nonlinearity == "relu"
    assert torch.equal(model.rnn.weight_hh_l0, torch.eye(6))
    assert not model.rnn.bias_ih_l0.any() and not model.rnn.bias_hh_l0.any()


@pytest.mark.parametrize("backend", ["course", "torch"])
def test_forget_bias_sets_the_lstm_forget_gate_total_bias(backend):
    model = AddingRegressor("lstm", 5, backend=backend, forget_bias=1.0)
    total = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0
    assert torch.equal(total[5:10], torch.ones(5))


def test_bad_arguments_and_shapes_raise_value_error():
    with pytest.raises(ValueError, match="kind must be one of"):
        AddingRegressor("transformer")
    with pytest.raises(ValueError, match="backend must be one of"):
        AddingRegressor("gru", backend="jax")
    with pytest.raises(ValueError, match="forget_bias is for kind='lstm' only"):
        AddingRegressor("gru", forget_bias=1.0)
    with pytest.raises(ValueError, match=r"x must be \(batch, time, 2\), got \(4, 3\)"):
        AddingRegressor("tanh", 4)(torch.zeros(4, 3))


def test_baseline_is_the_mse_of_predicting_the_mean():
    _, y = adding_test_set(20, n=4000)
    assert abs(((y - 1.0) ** 2).mean().item() - BASELINE_MSE) < 0.01
    assert BASELINE_MSE == pytest.approx(1 / 6)


def test_the_test_set_is_fixed_and_not_the_first_training_batch():
    x1, y1 = adding_test_set(12, n=64)
    x2, y2 = adding_test_set(12, n=64)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    first_batch = adding_problem(64, 12, generator=torch.Generator().manual_seed(0))[0]
    assert not torch.equal(x1, first_batch)


def _short_run(kind, seed=0):
    torch.manual_seed(0)
    return train_adding(
        AddingRegressor(kind, 16),
        6,
        steps=200,
        lr=1e-2,
        test_size=200,
        eval_every=100,
        seed=seed,
        progress=False,
    )


def test_train_adding_is_seeded_and_reports_what_it_measured():
    run, again = _short_run("gru"), _short_run("gru")
    assert run.history.loss == again.history.loss
    assert run.history.eval_steps == [100, 200] and run.steps == 200 and run.length == 6
    assert run.test_mse == run.history.metrics["test MSE"][-1] and run.seconds > 0
    assert run.name == "gru"
    assert _short_run("gru", seed=1).history.loss != run.history.loss


def test_steps_to_finds_the_first_evaluation_below_the_threshold():
    run = _short_run("gru")
    first, last = run.history.metrics["test MSE"]
    assert run.steps_to(max(first, last) + 1e-9) == 100
    assert run.steps_to(min(first, last) - 1e-9) is None


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_beats_the_baseline_on_a_short_adding_problem(kind):
    assert _short_run(kind).test_mse < BASELINE_MSE / 3
