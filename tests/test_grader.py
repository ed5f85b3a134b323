"""The hidden grader: answer cells run alone in a separate interpreter, compared against the answer
key in the grader's own process. Honest answers pass; blank, wrong, slow and cheating ones do not,
and each gets one sentence saying why. (The real nbgrader round trip: test_class_round_trip.py.)"""

from __future__ import annotations

import nbformat
import pytest
from answer_key import ANSWERS
from answer_key.grader import answer_cells, check_calls, grade, grade_notebook
from build_notebooks import notebook_paths

from course_lib.checks.own_work import scan

SOURCES = notebook_paths()
STEP = "rnn_step"
HONEST = "def rnn_step(x, prev_h, W_xh, W_hh, b):\n    return np.tanh(x @ W_xh.T + prev_h @ W_hh.T + b)\n"


def _grade_step(source: str, **kw) -> str | None:
    """The verdict message on rnn_step for one answer cell, or None when it passes."""
    verdict = grade([(f"{STEP}_answer", source)], [(STEP, STEP)], **kw)[STEP]
    return None if verdict.passed else verdict.message


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_every_solution_passes_the_scan_and_names_known_exercises(path):
    nb = nbformat.read(path, as_version=4)
    calls = check_calls(nb)
    assert len(calls) >= 2 and all(e in ANSWERS for _, e, _ in calls)
    forbidden = {f for _, e, _ in calls for f in ANSWERS[e].forbidden}
    for grade_id, source in answer_cells(nb):
        problem = scan(source, forbidden, language="en")
        assert problem is None, f"{grade_id} is refused: {problem}"


@pytest.mark.integration
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_solved_notebooks_score_full_marks_apart_from_the_notebook(path):
    """Every solved notebook's answers pass (make test runs the learners' blank copies, so this is
    where each solution runs)."""
    verdicts = grade_notebook(nbformat.read(path, as_version=4))
    failed = [v.message for v in verdicts.values() if not v.passed]
    assert not failed, failed


@pytest.mark.integration
def test_one_run_grades_honest_blank_wrong_and_cheating_cells():
    """One grader run per case would be slow: each case is its own exercise name here."""
    cases = {
        "honest": (HONEST, None),
        "blank": (
            "def rnn_step(x, prev_h, W_xh, W_hh, b):\n    raise NotImplementedError()\n",
            "not implemented yet",
        ),
        "wrong": (
            "def rnn_step(x, prev_h, W_xh, W_hh, b):\n    return np.tanh(x @ W_xh.T + prev_h @ W_hh + b)\n",
            "Hint: did you multiply by W_hh instead of its transpose?",
        ),
        "top-level error after the definition": (HONEST + "rnn_step(x_demo)\n", None),
        "needs a name from the notebook": (
            "def rnn_step(x, prev_h, W_xh, W_hh, b):\n    return helper(x)\n",
            "NameError: name 'helper' is not defined",
        ),
        "never defines it": ("x = 1\n", "do not define a function `rnn_step`"),
        "slow": (
            "def rnn_step(x, prev_h, W_xh, W_hh, b):\n    while True:\n        pass\n",
            "took longer than",
        ),
        "returns a generator": (
            "def rnn_step(x, prev_h, W_xh, W_hh, b):\n    return (v for v in x)\n",
            "got a generator",
        ),
        "imports course_lib": (
            "from course_lib.rnn import rnn_step_forward\n"
            "def rnn_step(*a):\n    return rnn_step_forward(*a)[0]\n",
            "imports course_lib.rnn: the answer must be your own code",
        ),
        "reads the registry": (
            "from course_lib.checks import EXERCISES\nrnn_step = EXERCISES['rnn_step']\n",
            "imports course_lib.checks",
        ),
        "__import__": (
            "rnn_step = __import__('course_lib.rnn').rnn.rnn_step_forward\n",
            "uses __import__",
        ),
        "getattr": ("rnn_step = getattr(np, 'tanh')\n", "uses getattr"),
        "private attributes": ("rnn_step = np.__dict__['tanh']\n", "private attribute .__dict__"),
        "torch.sys.modules": (
            "rnn_step = torch.sys.modules['course_lib.rnn'].rnn_step_forward\n",
            "uses .modules",
        ),
        "os": ("import os\ndef rnn_step(*a):\n    return os.system('true')\n", "imports os"),
        "patches numpy where it runs": (
            "np.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, bool)\n"
            "np.allclose = lambda *a, **k: True\n"
            "def rnn_step(x, prev_h, W_xh, W_hh, b):\n    return np.zeros((x.shape[0], b.shape[0]))\n",
            "wrong values",
        ),
    }
    ANSWERS_COPY = dict(ANSWERS)
    try:
        # every case grades the same exercise under its own name, in one runner
        from dataclasses import replace

        for i in range(len(cases)):
            ANSWERS[f"case{i}"] = replace(ANSWERS[STEP], name=f"case{i}", time_limit=2.0, trials=2)
        cells, calls = [], []
        for i, (source, _) in enumerate(cases.values()):
            fn = f"rnn_step_{i}"
            renamed = source.replace("rnn_step", fn)
            cells.append((f"case{i}_answer", renamed))
            calls.append((f"case{i}", fn))
        verdicts = grade(cells, calls)
    finally:
        ANSWERS.clear()
        ANSWERS.update(ANSWERS_COPY)
    for i, (what, (_, expected)) in enumerate(cases.items()):
        verdict = verdicts[f"case{i}"]
        if expected is None:
            assert verdict.passed, f"{what}: {verdict.message}"
        else:
            assert not verdict.passed, f"{what} passed"
            assert expected.replace("rnn_step", f"rnn_step_{i}") in verdict.message, (
                f"{what}: {verdict.message}"
            )


@pytest.mark.integration
def test_fixed_seeds_replay_the_graders_inputs():
    first = grade([(f"{STEP}_answer", HONEST.replace("prev_h @ W_hh.T", "prev_h @ W_hh"))],
                  [(STEP, STEP)], seeds={STEP: [7, 8]})[STEP]  # fmt: skip
    assert not first.passed and "seed 7" in first.message
