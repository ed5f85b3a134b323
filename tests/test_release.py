"""The student release: no solution survives, it runs with only the check cells failing,
nbgrader grades source, release and a half-right submission as it should, and a
student's edited copy is never overwritten."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from notebooks import NOTEBOOKS as NOTEBOOK_DIR
from notebooks import notebook_paths
from release import generate, make_course, nbgrader_api, publish, require

ROOT = Path(__file__).resolve().parent.parent

SOURCES = notebook_paths()
AUTOGRADED = [p for p in SOURCES if p.stem.startswith("01_")]  # one full round trip keeps CI short


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """Generate every assignment once; return (api, {stem: released path})."""
    work = tmp_path_factory.mktemp("nbgrader")
    api = nbgrader_api(make_course(work))
    return api, {p.stem: generate(api, p) for p in SOURCES}


def _solution_lines(cell) -> list[str]:
    inside, lines = False, []
    for line in cell.source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_no_solution_line_survives(released, source):
    release = nbformat.read(released[1][source.stem], as_version=4)
    text = "\n".join(c.source for c in release.cells)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    for cell in nbformat.read(source, as_version=4).cells:
        for line in _solution_lines(cell):
            if line not in ("return out", "return x"):  # too generic to reveal anything
                assert line not in text, f"solution line survived: {line!r}"
    assert all(not c.get("outputs") for c in release.cells if c.cell_type == "code")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_release_runs_and_only_check_cells_fail_saying_not_implemented(released, source):
    nb = nbformat.read(released[1][source.stem], as_version=4)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    ).execute()
    failed_checks = 0
    for cell in nb.cells:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if not errors:
            continue
        assert cell.metadata.get("nbgrader", {}).get("grade"), (
            f"a non-check cell failed:\n{cell.source}"
        )
        assert errors[0].ename in ("AssertionError", "ExerciseFailure")
        assert "not implemented yet" in errors[0].evalue
        failed_checks += 1
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert failed_checks == len(checks) >= 2


def _submit(course: Path, student: str, assignment: str, nb) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


@pytest.mark.parametrize("source", AUTOGRADED, ids=lambda p: p.stem)
def test_autograde_full_zero_and_partial_marks(released, source):
    from nbgrader.api import Gradebook

    api, paths = released
    course, assignment = Path(api.coursedir.root), source.stem
    solution = nbformat.read(source, as_version=4)
    blank = nbformat.read(paths[assignment], as_version=4)
    half = nbformat.read(paths[assignment], as_version=4)
    first_answer = next(
        i for i, c in enumerate(half.cells) if c.metadata.get("nbgrader", {}).get("solution")
    )
    half.cells[first_answer].source = solution.cells[first_answer].source
    for student, nb in [("solution", solution), ("blank", blank), ("half", half)]:
        _submit(course, student, assignment, nb)
        require(api.autograde(assignment, student, force=True), f"autograde {student}")

    checks = [
        c.metadata.nbgrader for c in solution.cells if c.metadata.get("nbgrader", {}).get("grade")
    ]
    total = sum(m["points"] for m in checks)
    first_points = next(
        m["points"]
        for m in checks
        if m["grade_id"]
        == solution.cells[first_answer].metadata.nbgrader["grade_id"].replace("_answer", "_check")
    )
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        score = {s: gb.find_submission(assignment, s).score for s in ("solution", "blank", "half")}
    assert score == {"solution": total, "blank": 0, "half": first_points}
    assert 0 < first_points < total


def test_release_never_overwrites_a_student_edit(tmp_path):
    api = nbgrader_api(make_course(tmp_path / "work"))
    released_nb = generate(api, SOURCES[0])
    out = tmp_path / "student"
    assert publish(released_nb, out).startswith("wrote")
    assert publish(released_nb, out).startswith("wrote")  # unchanged copy: refreshed
    copy = out / released_nb.name
    nb = nbformat.read(copy, as_version=4)
    assert "jupytext" not in nb.metadata
    nb.cells[0].source += "\nmy notes"
    nbformat.write(nb, copy)
    edited = copy.read_bytes()
    assert publish(released_nb, out).startswith("kept")
    assert copy.read_bytes() == edited
    shutil.rmtree(out)
