"""The checking engine: run a learner's function on cases and say what is wrong in one sentence.

A check either prints one line saying it passed, or raises ``ExerciseFailure`` (an
``AssertionError``, which nbgrader counts as a failed test) with ONE sentence about the first
problem found: not implemented yet, an exception inside the learner's code, too slow, inputs
modified in place, a call into the course's own implementation of the exercise, wrong type,
wrong shape, wrong dtype, NaN/inf, or wrong values (where and by how much, with a hint when the
output matches a common mistake). The checker itself never crashes on a bad submission.
Every sentence comes in English or Korean (``messages.py``): the engine's functions take the
``language`` explicitly, and a check uses the course's language (``course_lib.language``) unless
told another.

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
from .messages import Hint, resolve, say
from .own_work import CallWatch, forbidden_call, scan

Inputs = tuple[Any, ...]


class ExerciseFailure(AssertionError):
    """A learner's submission did not pass; the message says why in one sentence."""


@dataclass
class Trial:
    """One case: the inputs of a seed, the expected output, and the outputs of known mistakes."""

    seed: int
    args: Inputs
    expected: Any
    mistakes: Sequence[tuple[Any, Hint]] = ()


@dataclass
class Outcome:
    """What one call of the learner's function did."""

    value: Any = None
    error: str | None = None  # "TypeName: message"
    not_implemented: bool = False
    timed_out: bool = False
    modified: int | None = None  # index of an argument changed in place
    culprit: str | None = None  # the dotted name of a forbidden call it made


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
    outcome.culprit = watch.culprit
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
    language: str,
) -> str | None:
    """The one sentence, in ``language`` ("en" or "ko"), about what ``outcome`` got wrong, or None."""
    if outcome.timed_out:
        return say("timed_out", language, seconds=time_limit)
    if outcome.not_implemented:
        return say("not_implemented", language)
    if outcome.culprit is not None:
        return forbidden_call(outcome.culprit, language)
    if outcome.error is not None:
        return say("raised", language, error=outcome.error)
    if outcome.modified is not None:
        if outcome.modified < len(arg_names):
            name = arg_names[outcome.modified]
        else:
            name = say("an_input", language)
        return say("modified", language, name=name)
    close = {"rtol": tolerance.rtol, "atol": tolerance.atol, "language": language}
    problem = compare(outcome.value, trial.expected, **close)
    if problem is None:
        return None
    for mistake, hint in trial.mistakes:
        try:
            if compare(outcome.value, mistake, **close) is None:
                return say("with_hint", language, problem=problem, hint=hint.text(language))
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
    language: str,
    forbidden: Sequence[str] = (),
) -> str | None:
    """The first problem of ``fn`` over ``trials`` in ``language``, naming the seed to replay, or None."""
    if not callable(fn):
        return say("not_a_function", language, type_name=type(fn).__name__)
    for i, trial in enumerate(trials):
        outcome = call_once(fn, trial.args, time_limit, forbidden)
        problem = problem_of(
            outcome,
            trial,
            arg_names=arg_names,
            tolerance=tolerance,
            time_limit=time_limit,
            language=language,
        )
        if problem is None:
            continue
        if outcome.not_implemented or outcome.culprit:
            return problem
        return say(
            "failed_trial",
            language,
            problem=problem,
            number=i + 1,
            count=len(trials),
            inputs=describe_inputs(arg_names, trial.args, language),
            name=name,
            seed=trial.seed,
        )
    return None


def source_problem(fn: Callable[..., Any], forbidden: Sequence[str], language: str) -> str | None:
    """What ``scan`` says, in ``language``, of the function's own source when Python can find it."""
    import ast
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(fn))
        ast.parse(source)
    except (OSError, TypeError, SyntaxError):  # no source, or a lambda's line is not Python alone
        return None
    problem = scan(source, forbidden, language=language)
    return None if problem is None else say("source", language, problem=problem)


class Check:
    """The check of one exercise, on the cases stored for it: ``check(fn, seed=None, language=None)``.

    ``points``, ``arg_names``, ``trials`` and the seeds come from ``cases/<name>.json``.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.__name__ = f"check_{name}"
        self.__doc__ = (
            f"Check a solution of the exercise {name!r}: raise AssertionError with one sentence "
            "if it is wrong, else print that it passed. seed= replays one stored case; "
            'language="en" or "ko" says it in that language (default: course_lib.language).'
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
                mistakes=[(encoding.decode(m["output"]), Hint(**m["hint"])) for m in c["mistakes"]],
            )
            for c in cases
        ]

    def find_problem(
        self, fn: Callable[..., Any], seed: int | None = None, language: str | None = None
    ) -> str | None:
        """A sentence describing the first problem with ``fn``, or None if it passes.

        language: "en" or "ko" (None: ``course_lib.language.current()``).
        """
        language = resolve(language)
        if seed is not None and seed not in self.seeds:
            raise ValueError(say("unknown_seed", language, seeds=self.seeds, seed=seed))
        if callable(fn):
            problem = source_problem(fn, self.forbidden, language)
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
            language=language,
            forbidden=self.forbidden,
        )

    def __call__(
        self, fn: Callable[..., Any], seed: int | None = None, language: str | None = None
    ) -> None:
        """Raise ``AssertionError`` with one sentence if ``fn`` is wrong, else print that it passed.

        language: "en" or "ko" for the sentence (None: ``course_lib.language.current()``).
        """
        language = resolve(language)
        problem = self.find_problem(fn, seed, language)
        if problem is not None:
            # Raised from None: the learner sees one sentence, not the checker's internals.
            raise ExerciseFailure(f"{self.name}: {problem}") from None
        if seed is None:
            print(say("passed_all", language, name=self.name, count=len(self.seeds)))
        else:
            print(say("passed_seed", language, name=self.name, seed=seed))

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


def _kind(x: Any, language: str) -> str:
    """What ``x`` is, in a few words of ``language``."""
    if isinstance(x, torch.Tensor):
        return say("kind_tensor", language)
    if isinstance(x, np.ndarray):
        return say("kind_array", language)
    if isinstance(x, tuple):
        return say("kind_tuple", language, count=len(x))
    if isinstance(x, list):
        return say("kind_list", language, count=len(x))
    if x is None:
        return say("kind_none", language)
    if isinstance(x, encoding.Unsupported):
        return say("kind_other", language, type_name=x.type_name)
    return say("kind_other", language, type_name=type(x).__name__)


def compare(
    got: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    label: str | None = None,
    language: str | None = None,
) -> str | None:
    """Describe the first difference between a learner's output and the expected one, or None.

    Handles NumPy arrays, torch tensors, Python numbers and (nested) tuples of them. label: what
    the output is called (default: "output" in the language); language: "en" or "ko" (None:
    ``course_lib.language.current()``).
    """
    language = resolve(language)
    label = say("output", language) if label is None else label
    close = {"rtol": rtol, "atol": atol, "language": language}
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return say(
                "wrong_dict",
                language,
                keys=sorted(expected),
                label=label,
                kind=_kind(got, language),
            )
        for key in expected:
            problem = compare(got[key], expected[key], label=f"{label}[{key!r}]", **close)
            if problem is not None:
                return problem
        return None
    wrong_kind = {"label": label, "kind": _kind(got, language)}
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return say("wrong_kind", language, expected=_kind(expected, language), **wrong_kind)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = compare(g, e, label=f"{label} #{i + 1}", **close)
            if problem is not None:
                return problem
        return None
    if isinstance(expected, (torch.Tensor, np.ndarray)):
        if type(got) is not type(expected) and not (
            isinstance(got, np.ndarray) and isinstance(expected, np.ndarray)
        ):
            return say("wrong_kind", language, expected=_kind(expected, language), **wrong_kind)
        if isinstance(got, torch.Tensor):
            got, expected = got.detach(), expected.detach()
        if tuple(got.shape) != tuple(expected.shape):
            return say(
                "wrong_shape",
                language,
                label=label,
                expected=tuple(expected.shape),
                got=tuple(got.shape),
            )
        if got.dtype != expected.dtype:
            return say("wrong_dtype", language, label=label, expected=expected.dtype, got=got.dtype)
        g = got.numpy() if isinstance(got, torch.Tensor) else got
        e = expected.numpy() if isinstance(expected, torch.Tensor) else expected
        return _compare_arrays(g, e, label=label, **close)
    if isinstance(expected, (bool, int, float, np.number)):
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if not isinstance(got, (bool, int, float, np.number)):
            return say("not_a_number", language, **wrong_kind)
        return _compare_arrays(
            np.asarray(float(got)), np.asarray(float(expected)), label=label, **close
        )
    if got != expected:
        return say("wrong_value", language, label=label, expected=expected, got=got)
    return None


def _compare_arrays(
    g: np.ndarray, e: np.ndarray, *, rtol: float, atol: float, label: str, language: str
) -> str | None:
    if g.dtype.kind in "fc" and not np.all(np.isfinite(g)) and np.all(np.isfinite(e)):
        bad = np.argwhere(~np.isfinite(g))
        where = tuple(int(i) for i in bad[0]) if g.ndim else ()
        return say("not_finite", language, label=label, count=len(bad), index=where)
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
    at = say("at_index", language, index=tuple(int(i) for i in idx)) if g.ndim else ""
    return say(
        "wrong_values",
        language,
        label=label,
        wrong=int(np.sum(wrong)),
        total=wrong.size,
        difference=float(diff[idx]),
        at=at,
        expected=float(e[idx]),
        got=float(g[idx]),
    )


def describe_inputs(names: Sequence[str], args: Inputs, language: str) -> str:
    """The inputs of a trial in a few words of ``language``: array shapes, small values, names."""
    parts = []
    for name, a in zip(names, args, strict=False):
        if isinstance(a, (np.ndarray, torch.Tensor)):
            parts.append(say("input_shape", language, name=name, shape=tuple(a.shape)))
        elif isinstance(a, (int, float, str)):
            parts.append(f"{name}={a!r}")
        else:
            parts.append(name)
    return ", ".join(parts)
