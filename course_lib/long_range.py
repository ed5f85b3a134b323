"""Long-range memory on the adding problem: one small regressor and a fixed-step trainer.

Letters used in shapes: B batch, T time (the sequence length), H hidden_size.

The adding problem (``tasks.adding_problem``) asks for the sum of two marked values, the first
up to T steps back: the lecture's "어떤 입력의 정보가 사용되는 시점이 차이가 많이 날 경우". A model that
learns nothing long-range predicts the mean and scores ``BASELINE_MSE`` = 1/6. Notebooks 05
(vanishing gradients), 06 (LSTM) and 07 (GRU) train the same :class:`AddingRegressor` with
:func:`train_adding`, so their numbers compare directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from course_lib.evidence import spread
from course_lib.gru import GRU
from course_lib.lstm import LSTM, set_forget_bias_
from course_lib.rnn import RNN, identity_init_
from course_lib.tasks import adding_batches, adding_problem
from course_lib.training import History, fit

BASELINE_MSE = 1 / 6
"""Test MSE of always predicting 1.0, the mean of the target (the variance of a sum of two U[0, 1))."""

KINDS = ("tanh", "relu", "irnn", "lstm", "gru")
"""Recurrent layers of :class:`AddingRegressor`: tanh RNN, ReLU RNN (default init), ReLU RNN with
identity init (IRNN), LSTM, GRU."""

BACKENDS = {
    "course": {"rnn": RNN, "lstm": LSTM, "gru": GRU},
    "torch": {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU},
}


class AddingRegressor(nn.Module):
    """Sequence (B, T, 2) -> one recurrent layer -> last hidden state -> linear -> sum (B,).

    kind: "tanh" (Elman RNN), "relu" (ReLU RNN with torch's default initialisation: Trick #1
    alone), "irnn" (ReLU RNN with identity recurrent weights and zero biases, the lecture's
    Tricks #1 and #2), "lstm" or "gru" (Trick #3). backend: "course" uses
    ``course_lib``'s layers, "torch" uses ``torch.nn``'s (same parameters, faster LSTM on CPU).
    forget_bias: for an LSTM, the forget gate's starting bias (``set_forget_bias_``); None keeps
    torch's default initialisation.
    """

    def __init__(
        self,
        kind: str,
        hidden_size: int = 64,
        *,
        backend: str = "course",
        forget_bias: float | None = None,
    ) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {tuple(BACKENDS)}, got {backend!r}")
        if forget_bias is not None and kind != "lstm":
            raise ValueError(f"forget_bias is for kind='lstm' only, got kind={kind!r}")
        layers = BACKENDS[backend]
        if kind in ("tanh", "relu", "irnn"):
            nonlinearity = "tanh" if kind == "tanh" else "relu"
            self.rnn = layers["rnn"](2, hidden_size, nonlinearity=nonlinearity, batch_first=True)
            if kind == "irnn":
                identity_init_(self.rnn)
        else:
            self.rnn = layers[kind](2, hidden_size, batch_first=True)
            if forget_bias is not None:
                set_forget_bias_(self.rnn, forget_bias)
        self.kind, self.backend = kind, backend
        self.out = nn.Linear(hidden_size, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Return the predicted sum (B,) for x (B, T, 2) = (value, marker) at every step."""
        if x.dim() != 3 or x.shape[2] != 2:
            raise ValueError(f"x must be (batch, time, 2), got {tuple(x.shape)}")
        states = self.rnn(x)[0]  # (B, T, H)
        return self.out(states[:, -1]).squeeze(-1)


@dataclass
class AddingRun:
    """One training run on the adding problem: what was trained, for how long, and how well.

    test_mse is the final test MSE; seconds the CPU time of the training (one thread: its wall
    time when it runs alone, and still honest when other trainings share the cores, see
    ``parallel.train_in_parallel``); history holds the training loss at every step and the test
    MSE (``history.metrics["test MSE"]``) at ``history.eval_steps``.
    """

    name: str
    length: int
    steps: int
    test_mse: float
    seconds: float
    history: History

    def steps_to(self, threshold: float = 0.01) -> int | None:
        """The first evaluated step at which the test MSE fell below ``threshold``, or None."""
        for step, mse in zip(
            self.history.eval_steps, self.history.metrics["test MSE"], strict=True
        ):
            if mse < threshold:
                return step
        return None


def adding_test_set(length: int, n: int = 1000, seed: int = 10_000) -> tuple[Tensor, Tensor]:
    """The fixed adding-problem test set: x (n, T, 2), y (n,), apart from ``fit``'s batches."""
    return adding_problem(n, length, seed=seed)


def baselines(length: int, n: int = 1000) -> dict[str, float]:
    """Test MSEs, on the fixed test set, of four predictors that carry no long-range memory.

    - "always 1.0": the target's mean in expectation (MSE 1/6 in expectation, ``BASELINE_MSE``);
    - "the test set's mean": the best constant, fitted on the test set itself;
    - "marker-blind": mean(first half) + mean(second half) of the values, which is E[y | values],
      the best that any predictor ignoring the markers can do (MSE (1/6)(1 - 2/T) in expectation,
      T even): a test MSE a little below 1/6 proves nothing about memory;
    - "near marker only": mean(first half) + the marked value of the second half, the best that
      any predictor can do without the far (first) marker, which lies in the first half (MSE
      (1/12)(1 - 2/T) in expectation). Only below this does a model show that it carries the
      far marker; solving the task (MSE 0.01) needs it.

    Computed in float64 on ``adding_test_set(length, n)``.
    """
    x, y = (t.double() for t in adding_test_set(length, n))
    values, markers, half = x[..., 0], x[..., 1], length // 2
    first_half_mean = values[:, :half].mean(1)
    near_value = (values[:, half:] * markers[:, half:]).sum(1)
    predictions = {
        "always 1.0": torch.ones_like(y),
        "the test set's mean": y.mean().expand_as(y),
        "marker-blind": first_half_mean + values[:, half:].mean(1),
        "near marker only": first_half_mean + near_value,
    }
    return {name: ((p - y) ** 2).mean().item() for name, p in predictions.items()}


@dataclass(frozen=True)
class StepsTo:
    """Over seeds, the first evaluated step below a threshold; None where a run never got there.

    Formats for :func:`evidence.seed_table`: "417 (350-450)" (mean, min-max) when every seed got
    there, "2 of 3: 475 (450-500)" when some did, "never" when none did.
    """

    values: tuple[int | None, ...]

    @property
    def reached(self) -> tuple[int, ...]:
        """The steps of the seeds that got below the threshold."""
        return tuple(v for v in self.values if v is not None)

    def __format__(self, spec: str) -> str:
        if not self.reached:
            return "never"
        text = format(spread(self.reached), ".0f")
        if len(self.reached) == len(self.values):
            return text
        return f"{len(self.reached)} of {len(self.values)}: {text}"


def steps_to(runs: Iterable[AddingRun], threshold: float = 0.01) -> StepsTo:
    """The ``AddingRun.steps_to(threshold)`` of each run (one per seed), as a :class:`StepsTo`."""
    return StepsTo(tuple(run.steps_to(threshold) for run in runs))


def train_adding(
    model: nn.Module,
    length: int,
    *,
    steps: int,
    lr: float = 3e-3,
    batch_size: int = 64,
    clip: float | None = 1.0,
    test_size: int = 1000,
    eval_every: int = 50,
    seed: int = 0,
    name: str | None = None,
    progress: bool = True,
) -> AddingRun:
    """Train ``model`` ((B, T, 2) -> (B,)) on the adding problem for a fixed number of steps.

    Adam with learning rate ``lr``, a fresh batch of ``batch_size`` sequences of length ``length``
    at every step (seeded by ``seed``), gradient norm clipped to ``clip`` (None: no clipping),
    the MSE on a fixed test set of ``test_size`` sequences measured every ``eval_every`` steps
    and after the last. Returns an :class:`AddingRun`.
    """
    test_x, test_y = adding_test_set(length, test_size)

    def evaluate(m: nn.Module) -> dict[str, float]:
        return {"test MSE": F.mse_loss(m(test_x), test_y).item()}

    name = name or getattr(model, "kind", type(model).__name__)
    history = fit(
        model,
        adding_batches(length, batch_size),
        steps=steps,
        lr=lr,
        loss_fn=F.mse_loss,
        evaluate=evaluate,
        eval_every=eval_every,
        clip=clip,
        seed=seed,
        progress=progress,
        desc=name,
    )
    return AddingRun(name, length, steps, history.last("test MSE"), history.cpu_seconds, history)
