"""The checking engine: run a learner's function on cases and say what is wrong in one sentence.

A check either prints one line saying it passed, or raises ``ExerciseFailure`` (an
``AssertionError``, which nbgrader counts as a failed test) with ONE sentence about the first
problem found: not implemented yet, an exception inside the learner's code, too slow, inputs
modified in place, a call into the course's own implementation of the exercise, wrong type,
wrong shape, wrong dtype, NaN/inf, or wrong values (where and by how much, with a hint when the
output matches a common mistake). The checker itself never crashes on a bad submission.

In the learner's hands a check has no reference implementation: ``Check`` runs the function on
the cases stored in ``cases/<name>.json`` (inputs, expected outputs, and the outputs of common
mistakes with their hints), written from the answer key by ``tools/answer_key/cases.py``. The
grade comes from elsewhere: the instructor's grader runs the answer cells on their own, in a
separate interpreter, on fresh random inputs (``tools/answer_key/grader.py``).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import numpy as np
import torch

from . import encoding
from .own_work import CallWatch, scan

Inputs = tuple[Any, ...]
NOT_IMPLEMENTED = "not implemented yet"


class ExerciseFailure(AssertionError):
    """A learner's submission did not pass; the message says why in one sentence."""


@dataclass
class Trial:
    """One case: the inputs of a seed, the expected output, and the outputs of known mistakes."""

    seed: int
    args: Inputs
    expected: Any
    mistakes: Sequence[tuple[Any, str]] = ()


@dataclass
class Outcome:
    """What one call of the learner's function did."""

    value: Any = None
    error: str | None = None  # "TypeName: message"
    not_implemented: bool = False
    timed_out: bool = False
    modified: int | None = None  # index of an argument changed in place
    culprit: str | None = None  # a forbidden call, as CallWatch.message() words it


def call_once(
    fn: Callable[..., Any], args: Inputs, time_limit: float, forbidden: Sequence[str] = ()
) -> Outcome:
    """Run ``fn(*args)`` in a daemon thread under a call watch; give up after ``time_limit`` s."""
    kept = copy.deepcopy(args)
    given = copy.copy(args)
    outcome = Outcome()
    watch = CallWatch(forbidden)

    def target() -> None:
        try:
            with watch.on():
                outcome.value = fn(*given)
        except NotImplementedError:
            outcome.not_implemented = True
        except BaseException as e:  # noqa: BLE001 - anything the learner raises is reported
            outcome.error = f"{type(e).__name__}: {e}"[:500]

    thread = threading.Thread(target=target, daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(time_limit)
    if thread.is_alive() or time.perf_counter() - start > time_limit:
        return Outcome(timed_out=True)
    if watch.culprit is not None:
        outcome.culprit = watch.message()
    for i, (before, after) in enumerate(zip(kept, given, strict=True)):
        if not _same(before, after):
            outcome.modified = i
            break
    return outcome


@dataclass
class Tolerance:
    rtol: float = 1e-5
    atol: float = 1e-7


def problem_of(
    outcome: Outcome,
    trial: Trial,
    *,
    arg_names: Sequence[str],
    tolerance: Tolerance,
    time_limit: float,
) -> str | None:
    """The one sentence about what ``outcome`` got wrong on ``trial``, or None."""
    if outcome.timed_out:
        return (
            f"your function took longer than {time_limit:g} s; look for an endless loop, "
            "a sleep, or a Python loop over every element where an array operation would do."
        )
    if outcome.not_implemented:
        return (
            NOT_IMPLEMENTED
            + ": replace `raise NotImplementedError()` in the answer cell with your code."
        )
    if outcome.culprit is not None:
        return outcome.culprit
    if outcome.error is not None:
        return f"your function raised {outcome.error}"
    if outcome.modified is not None:
        name = arg_names[outcome.modified] if outcome.modified < len(arg_names) else "an input"
        return (
            f"your function modified its input `{name}` in place; "
            "compute a new array instead (e.g. x = x + 1 rather than x += 1)."
        )
    problem = compare(outcome.value, trial.expected, rtol=tolerance.rtol, atol=tolerance.atol)
    if problem is None:
        return None
    for mistake, hint in trial.mistakes:
        try:
            if compare(outcome.value, mistake, rtol=tolerance.rtol, atol=tolerance.atol) is None:
                return f"{problem}. Hint: {hint}"
        except Exception:  # noqa: BLE001 - a mistake output that cannot be compared says nothing
            continue
    return problem


def judge(
    fn: Callable[..., Any],
    trials: Sequence[Trial],
    *,
    name: str,
    arg_names: Sequence[str],
    tolerance: Tolerance,
    time_limit: float,
    forbidden: Sequence[str] = (),
) -> str | None:
    """The first problem of ``fn`` over ``trials``, naming the trial's seed to replay, or None."""
    if not callable(fn):
        return f"expected a function, got {type(fn).__name__}: pass the function itself, without calling it."
    for i, trial in enumerate(trials):
        outcome = call_once(fn, trial.args, time_limit, forbidden)
        problem = problem_of(
            outcome, trial, arg_names=arg_names, tolerance=tolerance, time_limit=time_limit
        )
        if problem is None:
            continue
        if outcome.not_implemented or outcome.culprit:
            return problem
        where = describe_inputs(arg_names, trial.args)
        return (
            f"{problem} (trial {i + 1} of {len(trials)}, inputs: {where}; "
            f"replay it with check_{name}(your_function, seed={trial.seed}))"
        )
    return None


def source_problem(fn: Callable[..., Any], forbidden: Sequence[str]) -> str | None:
    """What ``scan`` says of the function's own source, when Python can still find it."""
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    problem = scan(source, forbidden)
    if problem is None or problem.startswith("the answer is not valid Python"):
        return None
    return f"your function's code: {problem}"


class Check:
    """The check of one exercise, on the cases stored for it: ``check(fn, seed=None)``.

    ``points``, ``arg_names``, ``trials`` and the seeds come from ``cases/<name>.json``.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.__name__ = f"check_{name}"
        self.__doc__ = (
            f"Check a solution of the exercise {name!r}: raise AssertionError with one sentence "
            "if it is wrong, else print that it passed. seed= replays one stored case."
        )

    @cached_property
    def _record(self) -> dict:
        text = resources.files(__package__).joinpath("cases", f"{self.name}.json").read_text()
        return json.loads(text)

    @property
    def points(self) -> int:
        return int(self._record["points"])

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(self._record["arg_names"])

    @property
    def forbidden(self) -> tuple[str, ...]:
        return tuple(self._record["forbidden"])

    @property
    def seeds(self) -> list[int]:
        return [case["seed"] for case in self._record["cases"]]

    def trials(self, seed: int | None = None) -> list[Trial]:
        cases = self._record["cases"]
        if seed is not None:
            cases = [c for c in cases if c["seed"] == seed]
        return [
            Trial(
                seed=c["seed"],
                args=encoding.decode(c["args"]),
                expected=encoding.decode(c["expected"]),
                mistakes=[(encoding.decode(m["output"]), m["hint"]) for m in c["mistakes"]],
            )
            for c in cases
        ]

    def find_problem(self, fn: Callable[..., Any], seed: int | None = None) -> str | None:
        """A sentence describing the first problem with ``fn``, or None if it passes."""
        if seed is not None and seed not in self.seeds:
            raise ValueError(f"seed must be one of this check's cases {self.seeds}, got {seed!r}")
        if callable(fn):
            problem = source_problem(fn, self.forbidden)
            if problem is not None:
                return problem
        r = self._record
        return judge(
            fn,
            self.trials(seed),
            name=self.name,
            arg_names=self.arg_names,
            tolerance=Tolerance(r["rtol"], r["atol"]),
            time_limit=r["time_limit"],
            forbidden=self.forbidden,
        )

    def __call__(self, fn: Callable[..., Any], seed: int | None = None) -> None:
        """Raise ``AssertionError`` with one sentence if ``fn`` is wrong, else print that it passed."""
        problem = self.find_problem(fn, seed)
        if problem is not None:
            # Raised from None: the learner sees one sentence, not the checker's internals.
            raise ExerciseFailure(f"{self.name}: {problem}") from None
        if seed is None:
            print(f"{self.name}: passed on {len(self.seeds)} cases. Well done!")
        else:
            print(f"{self.name}: passed on the case of seed {seed}.")

    check = __call__

    def __repr__(self) -> str:
        return f"<check of exercise {self.name!r}>"


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
    if isinstance(x, encoding.Unsupported):
        return f"a {x.type_name}"
    return f"a {type(x).__name__}"


def compare(
    got: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-7, label: str = "output"
) -> str | None:
    """Describe the first difference between a learner's output and the expected one, or None.

    Handles NumPy arrays, torch tensors, Python numbers and (nested) tuples of them.
    """
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"expected a dict with keys {sorted(expected)} as {label}, got {_kind(got)}"
        for key in expected:
            problem = compare(
                got[key], expected[key], rtol=rtol, atol=atol, label=f"{label}[{key!r}]"
            )
            if problem is not None:
                return problem
        return None
    if isinstance(expected, (tuple, list)):
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


def describe_inputs(names: Sequence[str], args: Inputs) -> str:
    parts = []
    for name, a in zip(names, args, strict=False):
        if isinstance(a, (np.ndarray, torch.Tensor)):
            parts.append(f"{name} of shape {tuple(a.shape)}")
        elif isinstance(a, (int, float, str)):
            parts.append(f"{name}={a!r}")
        else:
            parts.append(name)
    return ", ".join(parts)
