"""One small, seeded training loop with a progress bar, used by every notebook."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from course_lib.adam import Adam
from course_lib.progress import Progress

Batch = tuple[torch.Tensor, torch.Tensor]


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, NumPy's and torch's global random generators."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - learners may call np.random directly
    torch.manual_seed(seed)


@dataclass
class History:
    """What ``fit`` measured: the loss at every step and the metrics at every evaluation.

    seconds is the wall-clock time of the run; cpu_seconds the CPU time of this process, which
    stays honest when other processes share the cores (``parallel.train_in_parallel``).
    """

    loss: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    def last(self, metric: str) -> float:
        """The most recent value of ``metric``."""
        return self.metrics[metric][-1]


def sample_batches(
    x: torch.Tensor, y: torch.Tensor, batch_size: int
) -> Callable[[torch.Generator], Batch]:
    """A batch maker drawing ``batch_size`` random rows of (x, y) with the loop's generator."""
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same first dimension, got {len(x)} and {len(y)}")

    def make(g: torch.Generator) -> Batch:
        idx = torch.randint(len(x), (min(batch_size, len(x)),), generator=g)
        return x[idx], y[idx]

    return make


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is the label: logits (N, C) or (N, T, C), y (N,) or (N, T)."""
    return (logits.argmax(-1) == y).float().mean().item()


def fit(
    model: nn.Module,
    batches: Callable[[torch.Generator], Batch],
    *,
    steps: int,
    lr: float = 1e-2,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    eval_every: int = 0,
    clip: float | None = None,
    seed: int = 0,
    progress: bool = True,
    desc: str | None = None,
) -> History:
    """Train ``model`` with Adam for a fixed number of steps and return its history.

    Args:
        batches: ``batches(generator) -> (x, y)`` (see ``sample_batches``); the
            loop seeds the generator with ``seed``, so a rerun repeats exactly.
        loss_fn: ``loss_fn(model(x), y) -> scalar``.
        evaluate: ``evaluate(model) -> {"name": value}``, called without gradients
            every ``eval_every`` steps (if > 0) and after the last step.
        clip: if given, the gradient norm is clipped to it before each update.
        progress: show a progress line in the notebook, named ``desc``, that ends as the final
            loss. A training run by ``parallel.train_in_parallel`` passes False: it runs in a
            forked worker process, which cannot draw in the notebook.
    """
    if steps < 1:
        raise ValueError(f"steps must be positive, got {steps}")
    seed_everything(seed)
    g = torch.Generator().manual_seed(seed)
    optimizer = Adam(model.parameters(), lr=lr)
    history = History()
    start, cpu_start = time.perf_counter(), time.process_time()

    def run_evaluation(step: int) -> None:
        model.eval()
        with torch.no_grad():
            for name, value in evaluate(model).items():
                history.metrics.setdefault(name, []).append(float(value))
        history.eval_steps.append(step)
        model.train()

    model.train()
    bar = Progress(steps, desc or "training", show=progress).__enter__()
    for step in range(steps):
        bar.update()
        x, y = batches(g)
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        history.loss.append(loss.item())
        if (
            evaluate is not None
            and eval_every > 0
            and (step + 1) % eval_every == 0
            and step + 1 < steps
        ):
            run_evaluation(step + 1)
    if evaluate is not None:
        run_evaluation(steps)
    history.seconds = time.perf_counter() - start
    history.cpu_seconds = time.process_time() - cpu_start
    bar.close(f"final loss {history.loss[-1]:.3g} · {history.seconds:.1f} s")
    return history
