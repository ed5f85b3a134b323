"""A class, as the README's grading steps run it: release through an exchange, students fetch and
submit, the instructor collects, autogrades and exports the grades to CSV.

The shell blocks are read from the README (``<!-- class: NAME -->`` markers) and run as they are,
with ``REPO``, ``COURSE``, ``EXCHANGE`` and ``A`` set, so the README says exactly what this test runs.
Three students each submit one of three notebooks, so each runs once as the learners' release:
bob leaves 01 blank, carol solves 02's first exercise, alice solves all of 03 (a training
notebook). 02 is released in its Korean edition (``release.py course --edition ko``), so carol's
copy speaks Korean and the grader answers her in Korean. Five more submissions of 01 each cheat on one exercise in a different way and must
score 0 on it (one of them plays every trick on the kernel at once: patched checks, comparisons,
AssertionError and print, and a swallowed exception), while their honest answers to the other exercises keep their points; they hold
the setup cell and the exercise cells only (a submission may hold any cells, and the grade does
not come from running the rest).
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from learner_run import is_check, not_implemented

from course_lib.language import MARKER
from release import make_course

pytestmark = pytest.mark.integration  # make test only: not in make check's short loop

ROOT = Path(__file__).resolve().parent.parent
# student: (assignment, how much of it they solved)
STUDENTS = {
    "bob": ("01_dnn_limits", "blank"),
    "carol": ("02_rnn", "first"),
    "alice": ("03_bidirectional_rnn", "all"),
}
ASSIGNMENTS = [assignment for assignment, _ in STUDENTS.values()]
KOREAN = "02_rnn"  # released in the Korean edition
TARGET = "position_one_hot"  # the exercise of 01 that the cheating submissions aim at
# (no other answer uses it, so the cheats' honest answers keep their points)
COURSE_ID = "sequence-models"


def readme_blocks() -> dict[str, str]:
    """``{name: code}`` of every fenced block that follows a ``<!-- class: name -->`` marker."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"<!-- class: ([\w-]+) -->\n```\w*\n(.*?)```", text, re.S)
    }


BLOCKS = readme_blocks()


def run_block(name: str, cwd: Path, **env: str) -> str:
    """Run the README's block ``name`` with bash -e in ``cwd``; return its output."""
    full_env = {**os.environ, "REPO": str(ROOT), **env}
    full_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full_env['PATH']}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", BLOCKS[name]],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, f"README block {name!r} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _cells(nb, **meta):
    return [
        (i, c)
        for i, c in enumerate(nb.cells)
        if all(c.get("metadata", {}).get("nbgrader", {}).get(k) == v for k, v in meta.items())
    ]


def _answer(nb, exercise: str):
    return next(c for _, c in _cells(nb, grade_id=f"{exercise}_answer"))


def _function_of(nb, exercise: str) -> str:
    check = next(c for _, c in _cells(nb, grade_id=f"{exercise}_check"))
    return re.search(rf"check_{exercise}\((\w+)\)", check.source).group(1)


def _solve(nb, solution, exercises=None):
    """Copy the source notebook's answers (of ``exercises``, default all) into ``nb``."""
    for _, cell in _cells(solution, solution=True):
        grade_id = cell.metadata.nbgrader["grade_id"]
        if exercises is None or grade_id.removesuffix("_answer") in exercises:
            _answer(nb, grade_id.removesuffix("_answer")).source = cell.source


def _set_answer(nb, source: str) -> None:
    _answer(nb, TARGET).source = source


def _cheats(fn: str) -> dict[str, callable]:
    """Edits of an honestly solved 01 that cheat on ``TARGET`` (function name ``fn``)."""

    def registry_key(nb):  # a lookup table of the stored cases: passes the notebook's own check
        _set_answer(
            nb,
            "from course_lib.checks import EXERCISES\n"
            f"CASES = EXERCISES[{TARGET!r}].trials()\n"
            f"def {fn}(indices, vocab_size):\n"
            "    for case in CASES:\n"
            "        if case.args[0].shape == indices.shape and (case.args[0] == indices).all():\n"
            "            return case.expected\n",
        )

    def course_implementation(nb):
        _set_answer(
            nb,
            "from course_lib.dnn import position_one_hot\n"
            f"def {fn}(indices, vocab_size):\n"
            "    return position_one_hot(torch.from_numpy(indices), vocab_size).double().numpy()\n",
        )

    def replace_check_cell(nb):
        next(
            c for _, c in _cells(nb, grade_id=f"{TARGET}_check")
        ).source = f"print('{TARGET}: passed on 5 cases. Well done!')"
        _set_answer(nb, f"def {fn}(indices, vocab_size):\n    raise NotImplementedError()\n")

    def delete_check_cell(nb):
        i = next(i for i, _ in _cells(nb, grade_id=f"{TARGET}_check"))
        del nb.cells[i]
        _set_answer(nb, f"def {fn}(indices, vocab_size):\n    raise NotImplementedError()\n")

    def fool_the_kernel(nb):
        # Every trick on the kernel at once: patching the course's checks, numpy's and torch's
        # comparisons, AssertionError and print, and IPython's exception handler. None can reach
        # the grade, which the hidden grader gives before the submission's kernel runs.
        _set_answer(
            nb,
            "import course_lib.checks as checks\n"
            f"checks.check_{TARGET} = lambda *a, **k: print('{TARGET}: passed')\n"
            "np.allclose = lambda *a, **k: True\n"
            "np.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, bool)\n"
            "np.array_equal = lambda *a, **k: True\n"
            "torch.allclose = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n"
            "import builtins\n"
            "builtins.AssertionError = type('AssertionError', (Exception,), {})\n"
            "AssertionError = builtins.AssertionError\n"
            "print = lambda *a, **k: None\n"
            "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"
            f"def {fn}(indices, vocab_size):\n    return None\n",
        )

    return {
        "reads the answer key from the registry": registry_key,
        "calls course_lib's implementation": course_implementation,
        "replaces the locked check cell": replace_check_cell,
        "deletes the locked check cell": delete_check_cell,
        "patches the checks, the comparisons, AssertionError, print and IPython's handler": (
            fool_the_kernel
        ),
    }


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Run the whole README class section; return (course folder, {student: kind}, grades rows)."""
    tmp = tmp_path_factory.mktemp("class")
    course, exchange = tmp / "course", tmp / "exchange"
    env = {"COURSE": str(course), "EXCHANGE": str(exchange)}
    run_block("setup", tmp, **env)
    # what `python tools/release.py course "$COURSE" --edition ko --only 02_rnn` does
    make_course(course, COURSE_ID, exchange, [KOREAN], "ko")
    for a in ASSIGNMENTS:
        run_block("release", tmp, A=a, **env)

    sources = {
        a: nbformat.read(course / "source" / a / f"{a}.ipynb", as_version=4) for a in ASSIGNMENTS
    }
    solved = {
        "blank": lambda nb, a: None,
        "first": lambda nb, a: _solve(nb, sources[a], [_first_exercise(sources[a])]),
        "all": lambda nb, a: _solve(nb, sources[a]),
    }
    config = BLOCKS["student-config"].replace("/srv/nbgrader/exchange", str(exchange))
    for student, (a, how) in STUDENTS.items():
        home = tmp / "home" / student
        home.mkdir(parents=True)
        # one OS user plays every student: the id a hub takes from the login is set here
        (home / "nbgrader_config.py").write_text(
            config + f"c.CourseDirectory.student_id = {student!r}\n"
        )
        run_block("fetch", home, A=a)
        path = home / a / f"{a}.ipynb"
        nb = nbformat.read(path, as_version=4)
        solved[how](nb, a)
        nbformat.write(nb, path)
        run_block("submit", home, A=a)
    # The cheats skip the exchange (it works, as the three students show) and land where
    # `nbgrader collect` puts submissions: one fetch and one submit less each.
    fn = _function_of(sources["01_dnn_limits"], TARGET)
    released = course / "release" / "01_dnn_limits" / "01_dnn_limits.ipynb"
    cheats = {}
    for i, (what, cheat) in enumerate(_cheats(fn).items()):
        name = f"cheat{i + 1}"
        cheats[name] = what
        nb = nbformat.read(released, as_version=4)
        _solve(nb, sources["01_dnn_limits"])
        cheat(nb)
        _keep_setup_and_exercises(nb)
        folder = course / "submitted" / name / "01_dnn_limits"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "01_dnn_limits.ipynb")
        (folder / "timestamp.txt").write_text("2026-12-01 12:00:00.000000 UTC")
    for a in ASSIGNMENTS:
        run_block("grade", tmp, A=a, **env)
    run_block("export", tmp, **env)
    with open(course / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return course, sources, cheats, rows


def _keep_setup_and_exercises(nb) -> None:
    """Drop every cell but the first code cell (the imports) and the exercises' cells."""
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells = [c for i, c in enumerate(nb.cells) if i == setup or "nbgrader" in c.metadata]


def _first_exercise(nb) -> str:
    return _cells(nb, solution=True)[0][1].metadata.nbgrader["grade_id"].removesuffix("_answer")


def _points(nb) -> dict[str, float]:
    return {
        c.metadata.nbgrader["grade_id"].removesuffix("_check"): float(c.metadata.nbgrader["points"])
        for _, c in _cells(nb, grade=True)
    }


def _score(rows, student, assignment) -> float:
    row = next(r for r in rows if r["student_id"] == student and r["assignment"] == assignment)
    return float(row["score"])


def test_the_csv_holds_the_points_the_metadata_implies(course):
    course_dir, sources, _, rows = course
    for student, (a, how) in STUDENTS.items():
        points = _points(sources[a])
        total = sum(points.values())
        assert total >= 5
        expected = {"all": total, "blank": 0, "first": points[_first_exercise(sources[a])]}[how]
        assert _score(rows, student, a) == expected, f"{student} solved {how} of {a}"
        for r in rows:
            if r["assignment"] == a:
                assert float(r["max_score"]) == total


def test_every_cheat_scores_zero_on_its_target_and_keeps_its_honest_points(course):
    from nbgrader.api import Gradebook

    course_dir, sources, cheats, _ = course
    points = _points(sources["01_dnn_limits"])
    with Gradebook(f"sqlite:///{course_dir}/gradebook.db") as gb:
        table = {}
        for student, what in cheats.items():
            grades = {
                g.name.removesuffix("_check"): g.score
                for g in gb.find_submission_notebook(
                    "01_dnn_limits", "01_dnn_limits", student
                ).grades
            }
            table[what] = grades
    for what, grades in table.items():
        assert grades[TARGET] == 0, f"the submission that {what} scored {grades[TARGET]}"
        for exercise, score in grades.items():
            if exercise != TARGET:
                assert score == points[exercise], f"{what}: honest {exercise} lost points"


def test_the_autograded_notebook_says_why_a_cheat_failed(course):
    course_dir, _, cheats, _ = course
    student = next(s for s, what in cheats.items() if what == "calls course_lib's implementation")
    nb = nbformat.read(
        course_dir / "autograded" / student / "01_dnn_limits" / "01_dnn_limits.ipynb", as_version=4
    )
    check = next(c for _, c in _cells(nb, grade_id=f"{TARGET}_check"))
    error = next(o for o in check.outputs if o.output_type == "error")
    assert "imports course_lib.dnn" in error.evalue and "your own code" in error.evalue


def test_the_release_runs_with_only_unsolved_check_cells_failing(course):
    course_dir, sources, _, _ = course
    for student, (a, how) in STUDENTS.items():
        nb = nbformat.read(course_dir / "autograded" / student / a / f"{a}.ipynb", as_version=4)
        failed = 0
        for cell in nb.cells:
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if errors:
                assert is_check(cell), (
                    f"{a}: a non-check cell failed in {student}'s submission:\n{cell.source}"
                )
                said = not_implemented("ko" if a == KOREAN else "en")
                assert said in errors[0].evalue, (student, errors[0].evalue)
                failed += 1
        checks = len(_cells(sources[a], grade=True))
        assert failed == {"all": 0, "blank": checks, "first": checks - 1}[how], (student, a)


def test_a_korean_assignment_reaches_the_student_in_korean_and_is_graded_in_korean(course):
    """carol fetched 02's Korean edition with its language file (her kernel speaks Korean), and
    the autograded check cell that failed says so in Korean."""
    course_dir, sources, _, _ = course
    home = course_dir.parent / "home" / "carol" / KOREAN
    assert (home / MARKER).read_text().strip() == "ko"
    fetched = nbformat.read(home / f"{KOREAN}.ipynb", as_version=4)
    assert fetched.metadata["course"]["edition"] == "ko"
    graded = nbformat.read(
        course_dir / "autograded" / "carol" / KOREAN / f"{KOREAN}.ipynb", as_version=4
    )
    errors = [
        o.evalue for c in graded.cells for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert errors and all("아직 구현되지 않았습니다" in e for e in errors)
