"""Every exercise checker passes the reference and rejects a battery of bad submissions clearly."""

from __future__ import annotations

import copy
import dataclasses
import re
import time

import numpy as np
import pytest
import torch

from course_lib.checks import EXERCISES, ExerciseFailure, compare

NAMES = sorted(EXERCISES)


def _map_arrays(out, fn):
    if isinstance(out, tuple):
        return tuple(_map_arrays(o, fn) for o in out)
    if isinstance(out, (np.ndarray, torch.Tensor)):
        return fn(out)
    return out


def _failure(exercise, fn) -> str:
    with pytest.raises(AssertionError) as info:
        exercise.check(fn)
    assert isinstance(info.value, ExerciseFailure)
    message = str(info.value)
    assert message.startswith(f"{exercise.name}: "), message
    return message


@pytest.fixture(params=NAMES)
def exercise(request):
    return dataclasses.replace(EXERCISES[request.param], time_limit=1.0)


def test_reference_passes(exercise, capsys):
    exercise.check(exercise.reference)
    assert "passed" in capsys.readouterr().out


def test_not_implemented_says_so(exercise):
    def stub(*args):
        raise NotImplementedError()

    assert "not implemented yet" in _failure(exercise, stub)


def test_exception_is_reported_with_type_and_message(exercise):
    def broken(*args):
        raise KeyError("oops")

    assert "raised KeyError: 'oops'" in _failure(exercise, broken)


def test_none_and_non_callables_are_rejected(exercise):
    assert "forget `return`" in _failure(exercise, lambda *args: None)
    assert "expected a function" in _failure(exercise, None)
    assert "expected a function" in _failure(exercise, 42)


def test_nan_output_is_rejected(exercise):
    def nan(*args):
        return _map_arrays(exercise.reference(*args), lambda a: a * float("nan"))

    assert "NaN" in _failure(exercise, nan)


def test_slow_submission_is_stopped(exercise):
    def slow(*args):
        time.sleep(3)
        return exercise.reference(*args)

    start = time.perf_counter()
    assert "longer than 1 s" in _failure(exercise, slow)
    assert time.perf_counter() - start < 2.5


def test_input_mutation_is_rejected(exercise):
    def mutating(*args):
        result = exercise.reference(*copy.deepcopy(args))
        target = next(a for a in args if isinstance(a, (np.ndarray, torch.Tensor)))
        with torch.no_grad():
            target[(0,) * target.ndim] += 1
        return result

    assert "in place" in _failure(exercise, mutating)


def test_hard_coded_answer_is_rejected(exercise):
    remembered = []

    def hard_coded(*args):
        if not remembered:
            remembered.append(exercise.reference(*args))
        return remembered[0]

    message = _failure(exercise, hard_coded)
    assert "wrong values" in message or "wrong shape" in message


def test_wrong_shape_is_named(exercise):
    def wrong_shape(*args):
        return _map_arrays(exercise.reference(*args), lambda a: a[None])

    assert "wrong shape: expected" in _failure(exercise, wrong_shape)


def test_wrong_dtype_is_named(exercise):
    out = exercise.reference(*exercise.make_inputs(np.random.default_rng(0)))
    first = out[0] if isinstance(out, tuple) else out
    if first.dtype not in (np.float64, torch.float64):
        pytest.skip("reference output is not float64")

    def wrong_dtype(*args):
        return _map_arrays(
            exercise.reference(*args),
            lambda a: a.astype(np.float32) if isinstance(a, np.ndarray) else a.float(),
        )

    assert "wrong dtype: expected" in _failure(exercise, wrong_dtype)


def test_wrong_values_name_the_largest_difference(exercise):
    def off_by_a_bit(*args):
        return _map_arrays(exercise.reference(*args), lambda a: a + 0.5)

    message = _failure(exercise, off_by_a_bit)
    assert "wrong values" in message and "largest difference is 0.5" in message


def test_each_common_mistake_fails_with_its_hint(exercise):
    for buggy, hint in exercise.mistakes:
        assert f"Hint: {hint}" in _failure(exercise, buggy)


def test_compare_accepts_equal_and_describes_tuples():
    a = np.arange(6.0).reshape(2, 3)
    assert compare((a, torch.ones(2)), (a.copy(), torch.ones(2))) is None
    assert "output #2 has the wrong shape: expected (2,), got (3,)" in compare(
        (a, torch.ones(3)), (a, torch.ones(2))
    )
    assert "expected a tuple of 2" in compare(a, (a, a))
    assert "expected a torch tensor" in compare(a, torch.ones(2, 3))


def test_a_failure_names_its_seed_and_the_seed_replays_the_same_inputs(exercise, capsys):
    """A learner can rerun the exact trial that failed: check(fn, seed=S) uses S's inputs."""
    seen = []

    def wrong(*args):
        seen.append(copy.deepcopy(args))
        return _map_arrays(exercise.reference(*args), lambda a: a * 2 + 1)

    message = _failure(exercise, wrong)
    match = re.search(
        rf"replay it with check_{exercise.name}\(your_function, seed=(\d+)\)", message
    )
    assert match, message
    first_inputs = seen[-1]
    seen.clear()
    with pytest.raises(ExerciseFailure) as again:
        exercise.check(wrong, seed=int(match.group(1)))
    assert f"seed={match.group(1)}" in str(again.value) and "trial 1 of 1" in str(again.value)
    for a, b in zip(first_inputs, seen[0], strict=True):
        if isinstance(a, (np.ndarray, torch.Tensor)):
            assert a.shape == b.shape and np.array_equal(np.asarray(a), np.asarray(b))
    exercise.check(exercise.reference, seed=int(match.group(1)))
    assert f"passed on the inputs of seed {match.group(1)}" in capsys.readouterr().out


def test_check_refuses_a_seed_that_is_not_a_whole_number():
    exercise = EXERCISES[NAMES[0]]
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ValueError, match="seed must be a non-negative whole number"):
            exercise.check(exercise.reference, seed=bad)


def test_every_exercise_module_is_imported_and_every_check_is_exported():
    """checks/__init__ re-exports by hand: a new module or check_* function must be listed there."""
    import importlib
    import pkgutil

    import course_lib.checks as checks

    for info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"course_lib.checks.{info.name}")
        for name in dir(module):
            if name.startswith("check_") and info.name != "core":
                assert getattr(checks, name, None) is getattr(module, name), f"export {name}"
                assert name in checks.__all__
    assert {f"check_{name}" for name in EXERCISES} <= set(checks.__all__)
