"""The adding-problem regressor and trainer: same model on both backends, seeded, and it learns."""

import pytest
import torch
from torch import nn

from course_lib.long_range import (
    BASELINE_MSE,
    KINDS,
    AddingRegressor,
    StepsTo,
    adding_test_set,
    baselines,
    steps_to,
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
def test_relu_kind_is_the_tanh_rnn_with_relu_and_the_same_default_initialisation(backend):
    torch.manual_seed(3)
    relu = AddingRegressor("relu", 6, backend=backend)
    torch.manual_seed(3)
    tanh = AddingRegressor("tanh", 6, backend=backend)
    assert relu.rnn.nonlinearity == "relu" and tanh.rnn.nonlinearity == "tanh"
    for a, b in zip(relu.state_dict().values(), tanh.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(relu.rnn.weight_hh_l0, torch.eye(6))
    x = adding_problem(4, 5, seed=2)[0]
    # same weights, different activation: ReLU's states are never negative, tanh's can be
    states = relu.rnn(x)[0]
    assert (states >= 0).all() and not torch.equal(states, tanh.rnn(x)[0])


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


def test_baselines_match_their_expected_values_and_order():
    # expected: marker-blind (1/6)(1 - 2/T), near marker only (1/12)(1 - 2/T), T even
    base = baselines(20, n=20_000)
    assert base["always 1.0"] == pytest.approx(1 / 6, abs=0.005)
    assert base["the test set's mean"] <= base["always 1.0"]
    assert base["marker-blind"] == pytest.approx(0.9 / 6, abs=0.004)
    assert base["near marker only"] == pytest.approx(0.9 / 12, abs=0.003)
    assert base["near marker only"] < base["marker-blind"] < base["the test set's mean"]


def test_no_marker_blind_linear_model_beats_the_marker_blind_baseline():
    # E[y | values] is the best marker-blind predictor: a line on all T values, fitted by least
    # squares on 20,000 fresh sequences, learns something but does no better on the test set
    train_x, train_y = (t.double() for t in adding_problem(20_000, 30, seed=1))
    x, y = (t.double() for t in adding_test_set(30))

    def features(x):
        return torch.cat([torch.ones(len(x), 1, dtype=x.dtype), x[..., 0]], dim=1)

    coef = torch.linalg.lstsq(features(train_x), train_y[:, None]).solution
    line_mse = ((features(x) @ coef).squeeze(1) - y).pow(2).mean().item()
    base = baselines(30)
    assert base["marker-blind"] - 0.002 < line_mse < base["the test set's mean"] - 0.005


def test_baselines_are_computed_on_the_fixed_test_set():
    x, y = (t.double() for t in adding_test_set(10, n=50))
    values, markers = x[..., 0], x[..., 1]
    # the far marker is in the first half and the near one in the second, exactly one each
    assert (markers[:, :5].sum(1) == 1).all() and (markers[:, 5:].sum(1) == 1).all()
    knows_both = (values * markers).sum(1)
    torch.testing.assert_close(knows_both, y)
    near_only = values[:, :5].mean(1) + (values[:, 5:] * markers[:, 5:]).sum(1)
    expected = ((near_only - y) ** 2).mean().item()
    assert baselines(10, n=50)["near marker only"] == pytest.approx(expected, rel=1e-12)


def test_steps_to_over_seeds_formats_every_case():
    assert format(StepsTo((300, 400, 500)), ".3f") == "400 (300-500)"
    assert format(StepsTo((None, 400, 500)), ".3f") == "2 of 3: 450 (400-500)"
    assert format(StepsTo((None, None)), ".3f") == "never"
    assert StepsTo((None, 400)).reached == (400,)


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
    over_seeds = steps_to([run, run], max(first, last) + 1e-9)
    assert over_seeds == StepsTo((100, 100))
    assert steps_to([run], min(first, last) - 1e-9).values == (None,)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_beats_the_baseline_on_a_short_adding_problem(kind):
    assert _short_run(kind).test_mse < BASELINE_MSE / 3
