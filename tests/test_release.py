"""The learners' copies: no solution survives, each runs top to bottom with only its check cells
failing ("not implemented yet"), and a copy the learner edited is never overwritten.

The blank copies run in the browser: tests/test_browser.py runs each learner's copy with Run All,
and tests/learner_run.py judges that one run as the release's, the stored outputs' and the
cross-CPU run. They run here, with nbclient and the same judgement, only where the browser test
cannot (no Chromium or no playwright), so each notebook runs once. The Korean edition's copies
hold the same code (tests/test_korean_edition.py proves the notebooks identical but for prose)."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from build_notebooks import NOTEBOOKS as NOTEBOOK_DIR
from build_notebooks import notebook_paths
from korean_edition import korean_path
from lab_server import browser_missing
from learner_run import JUPYTER_PATH, is_check, judge, on_plain_cpu
from nbclient import NotebookClient

from course_lib.language import MARKER
from release import blank, edition_paths, make_course, publish, student_copies, unpaired

SOURCES = notebook_paths()
RUN_HERE = SOURCES if browser_missing() else []  # else tests/test_browser.py runs them


def _split(cell) -> tuple[list[str], list[str]]:
    """(the solution's non-empty lines, stripped; every other line) of a cell."""
    inside, solution, other = False, [], []
    for line in cell.source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside and line.strip():
            solution.append(line.strip())
        elif not inside:
            other.append(line)
    return solution, other


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_no_solution_line_survives(source):
    copy = blank(unpaired(source))
    text = "\n".join(c.source for c in copy.cells)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    solved = nbformat.read(source, as_version=4)
    shown = "\n".join(line for c in solved.cells for line in _split(c)[1])  # on screen for all
    for cell in solved.cells:
        for line in _split(cell)[0]:
            if line not in shown and not line.startswith("#"):
                assert line not in text, f"solution line survived: {line!r}"
    assert all(not c.get("outputs") for c in copy.cells if c.cell_type == "code")
    assert "jupytext" not in copy.metadata


@pytest.mark.integration
@pytest.mark.runs_notebook
@pytest.mark.parametrize("source", RUN_HERE, ids=lambda p: p.stem)
def test_blank_copy_runs_and_only_check_cells_fail_saying_not_implemented(source, monkeypatch):
    """The browser's run, without the browser: the same copy, kernel and judgement."""
    monkeypatch.setenv("JUPYTER_PATH", str(JUPYTER_PATH))  # where the plain-CPU kernel is
    nb = on_plain_cpu(blank(unpaired(source)))
    NotebookClient(
        nb, timeout=600, allow_errors=True, resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    ).execute()
    judge(nbformat.read(source, as_version=4), nb, "en")


def test_student_copies_are_made_refreshed_and_never_overwritten_once_edited(tmp_path):
    out = tmp_path / "student"
    assert all(line.startswith("wrote") for line in student_copies(["01"], out))
    assert all(line.startswith("unchanged") for line in student_copies(["01"], out))
    copy = out / SOURCES[0].name
    nb = nbformat.read(copy, as_version=4)
    assert "jupytext" not in nb.metadata
    nb.cells[0].source += "\nmy notes"
    nbformat.write(nb, copy)
    edited = copy.read_bytes()
    assert student_copies(["01"], out)[0].startswith("kept")
    assert copy.read_bytes() == edited
    copy.unlink()
    assert student_copies(["01"], out)[0].startswith("wrote")
    assert publish(blank(unpaired(SOURCES[0])), out / "x.ipynb").startswith("wrote")
    shutil.rmtree(out)


def test_check_cells_of_a_copy_let_run_all_go_on():
    copy = blank(unpaired(SOURCES[0]))
    checks = [c for c in copy.cells if is_check(c)]
    assert checks and all("raises-exception" in c.metadata["tags"] for c in checks)
    others = [c for c in copy.cells if c not in checks]
    assert not any("raises-exception" in c.metadata.get("tags", []) for c in others)


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_the_korean_copies_hold_the_same_code_and_speak_korean(tmp_path):
    out = tmp_path / "student" / "ko"
    assert all(line.startswith("wrote") for line in student_copies(["01"], out, "ko"))
    korean = nbformat.read(out / SOURCES[0].name, as_version=4)
    assert _code(korean) == _code(blank(unpaired(SOURCES[0])))
    assert korean.cells[0].source != nbformat.read(SOURCES[0], as_version=4).cells[0].source
    assert (out / MARKER).read_text().strip() == "ko" and (out / "rise.css").exists()
    assert edition_paths(["01"], "ko") == [korean_path(SOURCES[0])]
    with pytest.raises(ValueError, match="edition must be one of"):
        edition_paths(["01"], "fr")


def test_a_korean_course_releases_the_language_file_with_each_notebook(tmp_path):
    course = make_course(tmp_path / "course", "c", tmp_path / "exchange", ["01"], "ko")
    source = course / "source" / SOURCES[0].stem
    nb = nbformat.read(source / SOURCES[0].name, as_version=4)
    assert nb.metadata["course"]["edition"] == "ko" and "jupytext" not in nb.metadata
    assert (source / MARKER).read_text().strip() == "ko"
