"""Training in parallel processes gives the same models and results as one after the other."""

import ast
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from course_lib import training
from course_lib.long_range import AddingRegressor, train_adding
from course_lib.parallel import train_in_parallel
from course_lib.progress import Progress
from course_lib.training import seed_everything

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TRAINERS = {"fit", "train_adding"}

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
def test_a_training_process_draws_no_progress_line_when_its_job_says_so(monkeypatch, capsys):
    """A forked worker cannot draw in the notebook: the job passes progress=False down to fit."""

    class Recorded(Progress):
        def __init__(self, total, desc="training", unit="steps", show=True):
            print(f"{desc}: shown={show}")  # printed in the worker, replayed here
            super().__init__(total, desc, unit, show)

    monkeypatch.setattr(training, "Progress", Recorded)
    results = train_in_parallel(
        _models(),
        lambda name, model: train_adding(model, 6, steps=3, test_size=8, progress=False),
        progress=False,
    )
    assert len(results) == 3
    assert capsys.readouterr() == ("tanh: shown=False\nlstm: shown=False\ngru: shown=False\n", "")


def _trainings_that_would_draw(tree: ast.Module) -> list[int]:
    """Lines of the fit/train_adding calls a train_in_parallel job reaches without progress=False.

    The job is the second argument: a lambda, a function of the notebook, or a call that returns
    one; functions of the notebook that it calls are followed.
    """
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    found, seen = [], set()

    def silenced(call: ast.Call) -> bool:
        return any(
            k.arg == "progress" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords
        )

    def visit(node: ast.AST) -> None:
        for call in ast.walk(node):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                continue
            if call.func.id in TRAINERS and not silenced(call):
                found.append(call.lineno)
            elif call.func.id in functions and call.func.id not in seen:
                seen.add(call.func.id)
                visit(functions[call.func.id])

    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "train_in_parallel":
            job = call.args[1]
            if isinstance(job, ast.Name) and job.id in functions:
                seen.add(job.id)
                job = functions[job.id]
            visit(job)
    return found


def test_every_notebook_job_trains_without_a_progress_line():
    """fit does not guess that it runs in a worker: each job of a notebook says progress=False."""
    drawing = {
        path.name: lines
        for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
        if (lines := _trainings_that_would_draw(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert not drawing, f"pass progress=False to fit/train_adding at these lines: {drawing}"
