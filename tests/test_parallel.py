"""Training in parallel processes gives the same models and results as one after the other."""

import sys

import pytest
import torch
from torch import nn

from course_lib.long_range import AddingRegressor, train_adding
from course_lib.parallel import train_in_parallel
from course_lib.training import seed_everything

needs_fork = pytest.mark.skipif(
    sys.platform != "linux", reason="processes are forked on Linux only"
)


def _models():
    models = {}
    for kind in ("tanh", "lstm", "gru"):
        seed_everything(0)
        models[kind] = AddingRegressor(kind, 8)
    return models


def _train(name, model):
    print(f"{name} trained")
    return train_adding(model, 6, steps=15, test_size=16, eval_every=5, name=name)


@needs_fork
@pytest.mark.parametrize("processes", [None, 2])
def test_parallel_training_equals_training_one_after_the_other(processes, capsys):
    one_by_one = _models()
    expected = {name: _train(name, model) for name, model in one_by_one.items()}
    capsys.readouterr()
    together = _models()
    results = train_in_parallel(together, _train, processes=processes, progress=False)
    assert list(results) == list(expected)
    for name in expected:
        assert results[name].history.loss == expected[name].history.loss
        assert results[name].history.metrics == expected[name].history.metrics
        assert results[name].history.loss[0] != results[name].history.loss[-1]
        for ours, theirs in zip(
            together[name].parameters(), one_by_one[name].parameters(), strict=True
        ):
            assert torch.equal(ours, theirs)
    assert capsys.readouterr().out == "tanh trained\nlstm trained\ngru trained\n"


def test_one_process_trains_here_with_the_same_results():
    results = train_in_parallel(_models(), _train, processes=1, progress=False)
    expected = {name: _train(name, model) for name, model in _models().items()}
    assert {n: r.history.loss for n, r in results.items()} == {
        n: r.history.loss for n, r in expected.items()
    }


@needs_fork
def test_an_error_in_a_training_process_reaches_the_notebook():
    def fails(name, model):
        if name == "lstm":
            raise RuntimeError("the lstm run broke")
        return name

    with pytest.raises(RuntimeError, match="the lstm run broke"):
        train_in_parallel(_models(), fails, progress=False)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="at least one model"):
        train_in_parallel({}, _train)
    with pytest.raises(TypeError, match=r"models\['a'\] must be an nn.Module, got str"):
        train_in_parallel({"a": "model"}, _train)
    with pytest.raises(ValueError, match="processes must be at least 1, got 0"):
        train_in_parallel({"a": nn.Linear(1, 1)}, _train, processes=0)


@needs_fork
def test_training_processes_draw_no_progress_bars(capsys):
    """A forked worker cannot draw a notebook widget; fit switches its bar off there."""
    results = train_in_parallel(
        _models(),
        lambda name, model: train_adding(model, 6, steps=3, test_size=8, progress=True),
        progress=False,
    )
    assert len(results) == 3
    assert capsys.readouterr() == ("", "")
