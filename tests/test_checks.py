"""Every exercise's check passes the reference and rejects a battery of bad submissions clearly.

The battery runs the answer key's own check (against the reference, fresh inputs); the second half
tests what a student holds: ``course_lib.checks`` on stored cases, with no reference, refusing a
function that hands the work to course_lib. Here they speak English; ``test_check_language.py``
covers Korean.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from answer_key import ANSWERS as EXERCISES
from answer_key.cases import CASES, case_seeds

import course_lib.checks as checks
from course_lib.checks import ExerciseFailure, compare, encoding

NAMES = sorted(EXERCISES)


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("COURSE_LANGUAGE", "en")


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

    hurried = dataclasses.replace(exercise, time_limit=0.2)  # the limit is the check's setting
    start = time.perf_counter()
    assert "longer than 0.2 s" in _failure(hurried, slow)
    assert time.perf_counter() - start < 2.0


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
        assert f"Hint: {hint.en}" in _failure(exercise, buggy)


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
    assert "passed against the reference" in capsys.readouterr().out


def test_check_refuses_a_seed_that_is_not_a_whole_number():
    exercise = EXERCISES[NAMES[0]]
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ValueError, match="seed must be a non-negative whole number"):
            exercise.check(exercise.reference, seed=bad)


def test_every_exercise_has_its_check_and_stored_cases_and_nothing_else():
    """A new exercise needs a line in checks/__init__.py and `make cases NAME=...`."""
    stored = {p.stem for p in CASES.glob("*.json")}
    assert stored == set(EXERCISES), "run `make cases` (tools/answer_key/cases.py)"
    assert set(checks.EXERCISES) == set(EXERCISES)
    for name in EXERCISES:
        assert getattr(checks, f"check_{name}") is checks.EXERCISES[name]
        assert f"check_{name}" in checks.__all__


@pytest.fixture(params=NAMES)
def public(request):
    return checks.EXERCISES[request.param], EXERCISES[request.param]


def test_stored_cases_are_the_answer_keys_outputs(public):
    """The stored expected and mistake outputs still come from the reference (within tolerance:
    another CPU's kernels may differ in the last bits)."""
    check, answer = public
    assert check.seeds == case_seeds(answer)
    assert check.points == answer.points and check.arg_names == tuple(answer.arg_names)
    for trial in check.trials():
        fresh = answer.trial(trial.seed)
        assert compare(trial.args, fresh.args, rtol=0, atol=0) is None, "inputs changed"
        assert (
            compare(trial.expected, fresh.expected, rtol=answer.rtol, atol=answer.atol) is None
        ), f"{answer.name}: the stored output of seed {trial.seed} is stale: run `make cases`"


def test_public_check_passes_the_reference_and_gives_each_mistake_its_hint(public, capsys):
    check, answer = public
    check(answer.reference)
    assert "passed on" in capsys.readouterr().out
    hinted = set()
    for buggy, hint in answer.mistakes:
        with pytest.raises(ExerciseFailure) as info:
            check(buggy)
        message = str(info.value)
        match = re.search(rf"check_{answer.name}\(your_function, seed=(\d+)\)", message)
        assert match, message
        if f"Hint: {hint.en}" in message:
            hinted.add(hint)
        with pytest.raises(ExerciseFailure):
            check(buggy, seed=int(match.group(1)))
    assert len(hinted) >= min(2, len(answer.mistakes)), "stored cases tell too few mistakes apart"


def test_public_check_holds_no_reference():
    import course_lib.checks.core as core

    for check in checks.EXERCISES.values():
        assert not hasattr(check, "reference")
    package = Path(core.__file__).parent
    for path in package.rglob("*.py"):
        assert "_reference" not in path.read_text(), f"{path.name} names a reference"
    record = json.loads((CASES / f"{NAMES[0]}.json").read_text())
    assert set(record) == {
        "name", "points", "arg_names", "forbidden", "rtol", "atol", "time_limit", "cases"
    }  # fmt: skip


def test_public_check_refuses_an_unknown_seed():
    check = checks.EXERCISES[NAMES[0]]
    with pytest.raises(ValueError, match="one of this check's cases"):
        check(lambda *a: None, seed=10**6)


def test_handing_the_work_to_course_lib_fails_and_says_so():
    from course_lib.padding import reverse_padded

    def delegates(x, lengths):
        return reverse_padded(x, lengths)

    with pytest.raises(
        ExerciseFailure, match="course_lib.padding.reverse_padded, the course's own"
    ):
        checks.check_reverse_padded(delegates)
    with pytest.raises(ExerciseFailure, match="the course's own implementation"):
        checks.check_reverse_padded(reverse_padded)


def test_encoding_round_trips_and_refuses_malformed_text():
    value = (
        np.arange(6.0).reshape(2, 3), torch.ones(2, dtype=torch.long), 3, float("nan"), "s",
        [np.float32(1.5)], {"k": None}, True,
    )  # fmt: skip
    back = encoding.decode(json.loads(json.dumps(encoding.encode(value))))
    assert compare(back[:3], value[:3]) is None and np.isnan(back[3]) and back[4:] == value[4:]
    assert isinstance(encoding.decode(encoding.encode(object())), encoding.Unsupported)
    for bad in (
        {"$": "ndarray", "dtype": "object", "shape": [1], "data": ""},
        {"$": "ndarray", "dtype": "float64", "shape": [2], "data": "AAAA"},
        {"$": "pickle", "data": ""},
        {"$": "float", "text": "__import__('os')"},
    ):
        with pytest.raises(encoding.DecodeError):
            encoding.decode(bad)
