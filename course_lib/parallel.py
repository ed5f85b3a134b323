"""Train independent models at the same time, one process each, so a notebook uses every core.

A notebook that compares models (a tanh RNN, an IRNN and an LSTM on the adding problem) trains
each on its own: nothing is shared between them. On Linux each training runs in a process forked
from the notebook's kernel. It starts with the model, the data and the training function
already in memory, trains with one torch thread, and sends back its result and the model's
trained weights, which are loaded into the notebook's model. Every run is seeded by its own
arguments, so the results are the same, bit for bit, as training the models one after the other
(``tests/test_parallel.py`` checks it). Where fork is not the platform's way (macOS, Windows),
the models are simply trained one after the other in this process.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import pickle
import sys
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TypeVar

import torch
from torch import nn

from course_lib.progress import Progress

Key = TypeVar("Key", bound=Hashable)
Result = TypeVar("Result")

MAX_PROCESSES = 8
"""At most this many training processes at once."""

_jobs: list[tuple[Hashable, nn.Module]] = []
_train: Callable[[Hashable, nn.Module], object] | None = None


def _run_job(index: int) -> bytes:
    """In a forked worker: train job ``index``; return (result, state_dict, printed text) pickled."""
    name, model = _jobs[index]
    # One core per process; one thread also keeps clear of OpenMP's thread team, which a fork breaks.
    torch.set_num_threads(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        result = _train(name, model)
    return pickle.dumps((result, model.state_dict(), printed.getvalue()))


def train_in_parallel(
    models: Mapping[Key, nn.Module],
    train: Callable[[Key, nn.Module], Result],
    *,
    processes: int | None = None,
    progress: bool = True,
) -> dict[Key, Result]:
    """Run ``train(name, model)`` for every model at once and return ``{name: result}``.

    The names are the keys of ``models``: strings, numbers or tuples such as (model, length).

    Each model ends with its trained weights, as if ``train`` had run here. ``train`` runs in a
    forked worker process, which cannot draw in the notebook: it must not draw or display, and
    it passes ``progress=False`` to ``training.fit`` (or ``long_range.train_adding``); what it
    prints is printed afterwards, model by model. Results must be picklable (``AddingRun``,
    ``History``, numbers, tensors). processes: how many at once (default: one per model, at most
    ``MAX_PROCESSES``); with 1, a single model or a platform without fork (macOS, Windows) the
    models are trained one after the other in this process, with the same results.
    """
    global _jobs, _train
    if not models:
        raise ValueError("train_in_parallel needs at least one model")
    for name, model in models.items():
        if not isinstance(model, nn.Module):
            raise TypeError(f"models[{name!r}] must be an nn.Module, got {type(model).__name__}")
    processes = min(len(models), MAX_PROCESSES) if processes is None else processes
    if processes < 1:
        raise ValueError(f"processes must be at least 1, got {processes}")
    forking = (
        processes > 1
        and sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
    )
    if not forking:
        return {name: train(name, model) for name, model in models.items()}

    _jobs, _train = list(models.items()), train
    outcomes: dict[int, tuple[Result, dict, str]] = {}
    try:
        context = multiprocessing.get_context("fork")
        workers = min(processes, len(_jobs))
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = {pool.submit(_run_job, i): i for i in range(len(_jobs))}
            desc = f"training {len(_jobs)} models in {workers} processes"
            with Progress(len(_jobs), desc, unit="models", show=progress) as bar:
                for future in as_completed(futures):
                    outcomes[futures[future]] = pickle.loads(future.result())
                    bar.update()
    finally:
        _jobs, _train = [], None
    results = {}
    for i, (name, model) in enumerate(models.items()):
        result, state, printed = outcomes[i]
        model.load_state_dict(state)
        print(printed, end="")
        results[name] = result
    return results
