"""The notebooks keep the course contract: paired, complete, gradable, and free of stored errors."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from build_notebooks import notebook_paths, paired_text

from course_lib.checks import EXERCISES

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = notebook_paths()


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def path(request):
    return request.param


def test_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS][:1] == ["01_dnn_limits"]


def test_pair_is_in_sync(path):
    assert path.exists(), (
        f"{path.name} is missing: run `python tools/build_notebooks.py {path.stem}`"
    )
    assert paired_text(path) == path.with_suffix(".py").read_text(encoding="utf-8"), (
        f"{path.name} and its .py twin differ: run `python tools/build_notebooks.py {path.stem}`"
    )


def test_every_code_cell_was_executed_in_order_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        "store outputs from one fresh top-to-bottom run"
    )
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"stored error: {out.get('ename')}"
            text = out.get("text", "") if out.output_type == "stream" else ""
            assert "glyph" not in text.lower(), "a missing-glyph warning: every label must render"
            assert "LayoutWarning" not in text, f"a figure hides its data or text: {text}"
            assert "0%|" not in str(out.get("data", {})), "a progress bar stored unfinished"


def test_structure_objectives_summary_exercises_next(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "will be able to" in nb.cells[0].source
    assert "## Summary" in markdown and "## Exercises" in markdown
    number = int(path.stem[:2])
    if number < len(NOTEBOOKS):
        assert re.search(rf"\(0?{number + 1}_\w+\.ipynb\)", markdown), "link to the next notebook"


def test_setup_cell_uses_one_torch_thread(path):
    """Course rule: the models are small, so one thread is as fast, and two busy threads (two
    notebooks, or a notebook beside a test worker) spin-wait for each other and crawl."""
    nb = nbformat.read(path, as_version=4)
    first_code = next(c.source for c in nb.cells if c.cell_type == "code")
    assert "torch.set_num_threads(1)" in first_code, (
        "call torch.set_num_threads(1) in the first code cell (see CONTRIBUTING.md)"
    )


def test_graded_cells_match_the_registry(path):
    nb = nbformat.read(path, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(answers) >= 2 and len(checks) == len(answers)
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        assert cell.metadata.nbgrader["locked"] is False
    for cell in checks:
        meta = cell.metadata.nbgrader
        name = re.search(r"check_(\w+)\(", cell.source).group(1)
        assert name in EXERCISES, f"check_{name} is not a registered exercise"
        assert meta["points"] == EXERCISES[name].points, f"{name}: points differ from the registry"
        assert meta["locked"] is True and meta["grade_id"] == f"{name}_check"


def test_grade_ids_are_unique_across_the_course():
    ids = [
        c.metadata["nbgrader"]["grade_id"]
        for p in NOTEBOOKS
        for c in nbformat.read(p, as_version=4).cells
        if "nbgrader" in c.metadata
    ]
    assert len(ids) == len(set(ids))


def test_one_main_exercise_worth_the_most_and_every_label_states_its_points(path):
    """Warm-ups drill; the main exercise asks for the idea (a derivation, an experiment, a
    prediction) and is worth the most. Each label's points are its check cell's points."""
    nb = nbformat.read(path, as_version=4)
    label = re.compile(r"\*\*(Main exercise|Warm-up(?: \d+)?|Exercise \d+) \((\d+) points?\)")
    pending, found = None, []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (m := label.search(cell.source)):
            pending = (m.group(1), int(m.group(2)))
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert pending, f"{meta['grade_id']} has no 'Warm-up k (N points)' label above it"
            assert meta["points"] == pending[1], f"{pending[0]} says {pending[1]} points"
            found.append(pending)
            pending = None
    mains = [points for kind, points in found if kind == "Main exercise"]
    assert len(mains) == 1, "one main exercise per notebook"
    assert mains[0] == max(points for _, points in found)
