"""The answer key's form of an exercise: the reference, how inputs are drawn, known mistakes.

This is the instructor's side and never ships to students (the wheel holds only ``course_lib``).
From it, ``cases.py`` writes the stored cases a student's check runs on, and ``grader.py``
draws fresh inputs to grade a submission in a separate interpreter.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.checks import own_work
from course_lib.checks.core import ExerciseFailure, Tolerance, Trial, judge
from course_lib.checks.messages import Hint, resolve, say

# The references may call the course's implementations (they are parity-tested there).
own_work.TRUSTED_CALLERS.append(str(Path(__file__).resolve().parent))

ANSWERS: dict[str, Exercise] = {}


@dataclass
class Exercise:
    """One graded exercise.

    Args:
        name: registry key, also the suffix of ``check_<name>`` and of the cells' grade ids
            (``<name>_answer``, ``<name>_check``).
        points: nbgrader points of its check cell.
        reference: the correct function.
        make_inputs: ``make_inputs(rng) -> tuple of positional arguments`` for one trial, from a
            ``numpy.random.Generator``: NumPy arrays, torch tensors, numbers, strings, tuples,
            lists, dicts and ``course_lib.checks.encoding.DecoderStep`` (what the stored cases
            and the grader's runner can carry).
        arg_names: names of the arguments, used in messages.
        mistakes: ``(buggy_function, Hint(english, korean))`` pairs: when the learner's output
            equals a buggy function's output, the hint is added to the message, in its language.
        forbidden: dotted names of implementations that would do the exercise for the learner
            (course_lib's own code is always forbidden).
        trials: number of inputs tried.
        rtol, atol: value tolerances.
        time_limit: seconds one call may take.
    """

    name: str
    points: int
    reference: Callable[..., Any]
    make_inputs: Callable[[np.random.Generator], tuple[Any, ...]]
    arg_names: Sequence[str]
    mistakes: Sequence[tuple[Callable[..., Any], Hint]] = field(default_factory=tuple)
    forbidden: Sequence[str] = ()
    trials: int = 5
    rtol: float = 1e-5
    atol: float = 1e-7
    time_limit: float = 10.0

    def trial(self, seed: int) -> Trial:
        """The inputs of ``seed``, the reference's output, and every known mistake's output."""
        args = self.make_inputs(np.random.default_rng(seed))
        expected = self.reference(*copy.deepcopy(args))
        mistakes = []
        for buggy, hint in self.mistakes:
            try:
                mistakes.append((buggy(*copy.deepcopy(args)), hint))
            except Exception:  # noqa: BLE001 - a mistake that cannot run on these inputs says nothing
                continue
        return Trial(seed=seed, args=args, expected=expected, mistakes=mistakes)

    def fresh_seeds(self) -> list[int]:
        """Fresh random seeds, odd and even in turn (an input drawer may key a regime to parity)."""
        return [secrets.randbits(30) * 2 + (1 - i % 2) for i in range(self.trials)]

    @property
    def tolerance(self) -> Tolerance:
        return Tolerance(self.rtol, self.atol)

    def find_problem(
        self, fn: Callable[..., Any], seed: int | None = None, language: str | None = None
    ) -> str | None:
        """The first problem of ``fn`` against the reference on fresh inputs (or ``seed``'s).

        language: "en" or "ko" (None: ``course_lib.language.current()``).
        """
        seeds = self.fresh_seeds() if seed is None else [seed]
        return judge(
            fn,
            [self.trial(s) for s in seeds],
            name=self.name,
            arg_names=self.arg_names,
            tolerance=self.tolerance,
            time_limit=self.time_limit,
            language=resolve(language),
            forbidden=self.forbidden,
        )

    def check(
        self, fn: Callable[..., Any], seed: int | None = None, language: str | None = None
    ) -> None:
        """The instructor's check: against the reference itself, on fresh random inputs.

        language: "en" or "ko" for its sentence (None: ``course_lib.language.current()``).
        """
        language = resolve(language)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(say("key_bad_seed", language, seed=seed))
        problem = self.find_problem(fn, seed, language)
        if problem is not None:
            raise ExerciseFailure(f"{self.name}: {problem}") from None
        print(say("key_passed", language, name=self.name))


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to ``ANSWERS`` and return it."""
    if exercise.name in ANSWERS:
        raise ValueError(f"exercise {exercise.name!r} is registered twice")
    ANSWERS[exercise.name] = exercise
    return exercise
