"""The fit loop is seeded, records what it measured, and learns a separable task."""

import multiprocessing

import pytest
import torch
from torch import nn

from course_lib import training
from course_lib.training import accuracy, fit, sample_batches


def _task():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return x, y


def _train(seed):
    torch.manual_seed(123)
    model = nn.Linear(4, 2)
    x, y = _task()
    history = fit(
        model,
        sample_batches(x, y, 32),
        steps=60,
        lr=0.05,
        seed=seed,
        progress=False,
        evaluate=lambda m: {"acc": accuracy(m(x), y)},
        eval_every=20,
    )
    return model, history


def test_fit_is_reproducible_and_learns():
    _, h1 = _train(seed=1)
    _, h2 = _train(seed=1)
    assert h1.loss == h2.loss
    assert h1.eval_steps == [20, 40, 60]
    assert h1.last("acc") > 0.9 and h1.loss[-1] < h1.loss[0]
    assert h1.seconds > 0 and 0 < h1.cpu_seconds < 10 * h1.seconds + 1
    _, h3 = _train(seed=2)
    assert h3.loss != h1.loss


def test_fit_rejects_nonpositive_steps_and_mismatched_data():
    with pytest.raises(ValueError, match="steps must be positive"):
        fit(nn.Linear(2, 2), sample_batches(torch.ones(3, 2), torch.zeros(3).long(), 2), steps=0)
    with pytest.raises(ValueError, match="same first dimension"):
        sample_batches(torch.ones(3, 2), torch.zeros(4).long(), 2)


def test_accuracy_on_sequences():
    logits = torch.tensor([[[2.0, 1.0], [0.0, 3.0]]])
    assert accuracy(logits, torch.tensor([[0, 0]])) == 0.5


class _RecordedProgress:
    """Stands in for ``progress.Progress``: records whether fit asked for its line to be shown."""

    shown: list[bool] = []

    def __init__(self, total, desc="training", unit="steps", show=True):
        self.shown.append(show)

    def __enter__(self):
        return self

    def update(self, n=1):
        pass

    def close(self, summary=""):
        pass


def test_fit_shows_its_progress_line_as_its_argument_says_in_any_process(monkeypatch):
    monkeypatch.setattr(training, "Progress", _RecordedProgress)
    monkeypatch.setattr(_RecordedProgress, "shown", [])
    # fit does not ask which process it runs in: a worker says progress=False itself
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    batches = sample_batches(torch.ones(4, 2), torch.zeros(4).long(), 2)
    for progress in (True, False):
        fit(nn.Linear(2, 2), batches, steps=2, progress=progress)
    assert _RecordedProgress.shown == [True, False]
