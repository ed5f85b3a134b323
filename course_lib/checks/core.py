"""The checking engine: run a learner's function on fresh random inputs against the reference.

Every exercise of the course is an ``Exercise`` in the registry ``EXERCISES``
(name -> exercise, with ``.check(fn)`` and ``.points``), and each has a
``check_<name>`` function for the notebook's check cell (``register`` returns it). A check either prints
one line saying it passed, or raises ``AssertionError`` (which nbgrader counts
as a failed test) with ONE sentence about the first problem found: not
implemented yet, an exception inside the learner's code, too slow, inputs
modified in place, wrong type, wrong shape, wrong dtype, NaN/inf, or wrong
values (where and by how much, with a hint when the output matches a common
mistake). The checker itself never crashes on a bad submission.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

Inputs = tuple[Any, ...]
_NOT_IMPLEMENTED = "not implemented yet"


class ExerciseFailure(AssertionError):
    """A learner's submission did not pass; the message says why in one sentence."""


@dataclass
class Exercise:
    """One graded exercise.

    Args:
        name: registry key, also the suffix of ``check_<name>``.
        points: nbgrader points of its check cell.
        reference: the correct function.
        make_inputs: ``make_inputs(rng) -> tuple of positional arguments`` for
            one trial, from a ``numpy.random.Generator``.
        arg_names: names of the arguments, used in messages.
        mistakes: ``(buggy_function, hint)`` pairs: when the learner's output
            equals a buggy function's output, the hint is added to the message.
        trials: number of fresh random inputs tried.
        rtol, atol: value tolerances.
        time_limit: seconds one call may take.
    """

    name: str
    points: int
    reference: Callable[..., Any]
    make_inputs: Callable[[np.random.Generator], Inputs]
    arg_names: Sequence[str]
    mistakes: Sequence[tuple[Callable[..., Any], str]] = field(default_factory=tuple)
    trials: int = 5
    rtol: float = 1e-5
    atol: float = 1e-7
    time_limit: float = 10.0

    def check(self, fn: Callable[..., Any], seed: int | None = None) -> None:
        """Raise ``AssertionError`` with one sentence if ``fn`` is wrong, else print that it passed.

        Each trial draws its inputs from its own seed, and a failure names it: ``seed=`` replays
        exactly that trial (``check_x(fn, seed=1234)``), so a learner can debug the same inputs.
        """
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
        problem = self.find_problem(fn, seed)
        if problem is not None:
            # Raised from None: the learner sees one sentence, not the checker's internals.
            raise ExerciseFailure(f"{self.name}: {problem}") from None
        if seed is None:
            print(f"{self.name}: passed on {self.trials} fresh random inputs. Well done!")
        else:
            print(f"{self.name}: passed on the inputs of seed {seed}.")

    def find_problem(self, fn: Callable[..., Any], seed: int | None = None) -> str | None:
        """Return a sentence describing the first problem with ``fn``, or None if it is right.

        seed: None runs ``trials`` trials, each from a fresh random seed; a number runs the one
        trial of that seed.
        """
        if not callable(fn):
            return f"expected a function, got {type(fn).__name__}: pass the function itself, without calling it."
        seeds = [secrets.randbits(32) for _ in range(self.trials)] if seed is None else [seed]
        for trial, trial_seed in enumerate(seeds):
            try:
                args = self.make_inputs(np.random.default_rng(trial_seed))
                expected = self.reference(*copy.deepcopy(args))
            except Exception as e:  # a bug in the exercise, not the learner's
                return f"the checker could not build its inputs ({type(e).__name__}: {e}); please report this."
            problem = self._try_once(fn, args, expected)
            if problem is not None and problem.startswith(_NOT_IMPLEMENTED):
                return problem
            if problem is not None:
                where = _describe_inputs(self.arg_names, args)
                return (
                    f"{problem} (trial {trial + 1} of {len(seeds)}, inputs: {where}; "
                    f"replay it with check_{self.name}(your_function, seed={trial_seed}))"
                )
        return None

    def _try_once(self, fn: Callable[..., Any], args: Inputs, expected: Any) -> str | None:
        kept = copy.deepcopy(args)
        outcome = _call_with_time_limit(fn, copy.copy(args), self.time_limit)
        if outcome.timed_out:
            return (
                f"your function took longer than {self.time_limit:g} s; look for an endless loop, "
                "a sleep, or a Python loop over every element where an array operation would do."
            )
        if outcome.error is not None:
            e = outcome.error
            if isinstance(e, NotImplementedError):
                return (
                    _NOT_IMPLEMENTED
                    + ": replace `raise NotImplementedError()` in the answer cell with your code."
                )
            return f"your function raised {type(e).__name__}: {e}"
        for i, (before, after) in enumerate(zip(kept, args, strict=True)):
            if not _same(before, after):
                return (
                    f"your function modified its input `{self.arg_names[i]}` in place; "
                    "compute a new array instead (e.g. x = x + 1 rather than x += 1)."
                )
        problem = compare(outcome.value, expected, rtol=self.rtol, atol=self.atol)
        if problem is None:
            return None
        for buggy, hint in self.mistakes:
            try:
                if (
                    compare(
                        outcome.value, buggy(*copy.deepcopy(kept)), rtol=self.rtol, atol=self.atol
                    )
                    is None
                ):
                    return f"{problem}. Hint: {hint}"
            except Exception:  # a buggy variant that cannot run on these inputs says nothing
                continue
        return problem


@dataclass
class _Outcome:
    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False


def _call_with_time_limit(fn: Callable[..., Any], args: Inputs, limit: float) -> _Outcome:
    """Run ``fn(*args)`` in a daemon thread; give up waiting after ``limit`` seconds."""
    outcome = _Outcome()

    def target() -> None:
        try:
            outcome.value = fn(*args)
        except BaseException as e:  # noqa: BLE001 - anything the learner raises is reported
            outcome.error = e

    thread = threading.Thread(target=target, daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(limit)
    if thread.is_alive() or time.perf_counter() - start > limit:
        return _Outcome(timed_out=True)
    return outcome


def _same(a: Any, b: Any) -> bool:
    """Exact equality of (nested) inputs, NaN equal to NaN."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return (
            a.shape == b.shape
            and a.dtype == b.dtype
            and bool(torch.equal(a.nan_to_num(), b.nan_to_num()))
        )
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, torch.nn.Module) and isinstance(b, torch.nn.Module):
        return _same(a.state_dict(), b.state_dict())
    try:
        return bool(a == b)
    except Exception:
        return a is b


def _kind(x: Any) -> str:
    if isinstance(x, torch.Tensor):
        return "a torch tensor"
    if isinstance(x, np.ndarray):
        return "a NumPy array"
    if isinstance(x, tuple):
        return f"a tuple of {len(x)}"
    if isinstance(x, list):
        return f"a list of {len(x)}"
    if x is None:
        return "None (did you forget `return`?)"
    return f"a {type(x).__name__}"


def compare(
    got: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-7, label: str = "output"
) -> str | None:
    """Describe the first difference between a learner's output and the expected one, or None.

    Handles NumPy arrays, torch tensors, Python numbers and (nested) tuples of them.
    """
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected {_kind(expected)} as {label}, got {_kind(got)}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = compare(g, e, rtol=rtol, atol=atol, label=f"{label} #{i + 1}")
            if problem is not None:
                return problem
        return None
    if isinstance(expected, (torch.Tensor, np.ndarray)):
        if type(got) is not type(expected) and not (
            isinstance(got, np.ndarray) and isinstance(expected, np.ndarray)
        ):
            return f"expected {_kind(expected)} as {label}, got {_kind(got)}"
        if isinstance(got, torch.Tensor):
            got, expected = got.detach(), expected.detach()
        if tuple(got.shape) != tuple(expected.shape):
            return f"{label} has the wrong shape: expected {tuple(expected.shape)}, got {tuple(got.shape)}"
        if got.dtype != expected.dtype:
            return f"{label} has the wrong dtype: expected {expected.dtype}, got {got.dtype}"
        g = got.numpy() if isinstance(got, torch.Tensor) else got
        e = expected.numpy() if isinstance(expected, torch.Tensor) else expected
        return _compare_arrays(g, e, rtol=rtol, atol=atol, label=label)
    if isinstance(expected, (bool, int, float, np.number)):
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if not isinstance(got, (bool, int, float, np.number)):
            return f"expected a number as {label}, got {_kind(got)}"
        return _compare_arrays(
            np.asarray(float(got)), np.asarray(float(expected)), rtol=rtol, atol=atol, label=label
        )
    if got != expected:
        return f"{label} is wrong: expected {expected!r}, got {got!r}"
    return None


def _compare_arrays(
    g: np.ndarray, e: np.ndarray, *, rtol: float, atol: float, label: str
) -> str | None:
    if g.dtype.kind in "fc" and not np.all(np.isfinite(g)) and np.all(np.isfinite(e)):
        bad = np.argwhere(~np.isfinite(g))
        where = tuple(int(i) for i in bad[0]) if g.ndim else ()
        return f"{label} contains NaN or inf ({len(bad)} entries, first at index {where})"
    if g.dtype.kind in "biu" and e.dtype.kind in "biu":
        wrong = g != e
    else:
        wrong = ~np.isclose(
            g.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True
        )
    if not np.any(wrong):
        return None
    diff = np.where(wrong, np.abs(g.astype(np.float64) - e.astype(np.float64)), -1.0)
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if g.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if g.ndim else ""
    return (
        f"{label} has wrong values in {int(np.sum(wrong))} of {wrong.size} entries; the largest difference is "
        f"{float(diff[idx]):.3g}{where} (expected {float(e[idx]):.4g}, got {float(g[idx]):.4g})"
    )


def _describe_inputs(names: Sequence[str], args: Inputs) -> str:
    parts = []
    for name, a in zip(names, args, strict=False):
        if isinstance(a, (np.ndarray, torch.Tensor)):
            parts.append(f"{name} of shape {tuple(a.shape)}")
        elif isinstance(a, (int, float, str)):
            parts.append(f"{name}={a!r}")
        else:
            parts.append(name)
    return ", ".join(parts)


EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Callable[[Callable[..., Any]], None]:
    """Add ``exercise`` to ``EXERCISES`` and return its check function."""
    if exercise.name in EXERCISES:
        raise ValueError(f"exercise {exercise.name!r} is registered twice")
    EXERCISES[exercise.name] = exercise
    return exercise.check
