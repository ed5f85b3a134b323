"""The judge of a learner's run (tests/learner_run.py) catches what nbval and the release would,
on a stored notebook and a run made from it by hand; no kernel starts."""

from __future__ import annotations

import copy
import re

import nbformat
import pytest
from build_notebooks import notebook_paths
from learner_run import PLAIN_CPU, differences, is_check, is_exercise, judge, on_plain_cpu

from course_lib.checks import messages

STORED = nbformat.read(notebook_paths(["02"])[0], as_version=4)


def _error(language: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "error",
        ename="ExerciseFailure",
        evalue=messages.MESSAGES["not_implemented"][language],
        traceback=[],
    )


def _learners_run(language: str = "en") -> nbformat.NotebookNode:
    """What Run All leaves in 02's blank copy: stored outputs, answers blank, checks failing."""
    ran = copy.deepcopy(STORED)
    for cell in ran.cells:
        if is_check(cell):
            cell.outputs = [_error(language)]
        elif is_exercise(cell):
            cell.outputs = []
    return ran


def _compared_stream_cell(ran) -> nbformat.NotebookNode:
    """The first cell outside the exercises whose stdout nbval compares."""
    for cell in ran.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and not is_exercise(cell) and "nbval-ignore-output" not in tags:
            if any(o.output_type == "stream" and re.search(r"\d", o.text) for o in cell.outputs):
                return cell
    raise AssertionError("02 has no compared cell that prints a number")


def _first_digit_changed(cell) -> None:
    stream = next(o for o in cell.outputs if o.output_type == "stream")
    digit = re.search(r"\d", stream.text)
    other = "1" if digit.group() != "1" else "2"
    stream.text = stream.text[: digit.start()] + other + stream.text[digit.end() :]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_learners_run_with_the_stored_outputs_passes(language):
    judge(STORED, _learners_run(language), language)


def test_a_changed_number_is_named_with_its_cell():
    ran = _learners_run()
    cell = _compared_stream_cell(ran)
    _first_digit_changed(cell)
    number = ran.cells.index(cell) + 1
    with pytest.raises(AssertionError, match=rf"1 cells differ .* cell {number} \(stdout\)"):
        judge(STORED, ran, "en")


def test_cells_tagged_to_ignore_and_sanitized_text_are_not_compared():
    ran = _learners_run()
    ignored = next(
        c for c in ran.cells if "nbval-ignore-output" in c.metadata.get("tags", []) and c.outputs
    )
    ignored.outputs = [nbformat.v4.new_output("stream", name="stdout", text="anything\n")]
    cell = _compared_stream_cell(ran)
    stored_cell = STORED.cells[ran.cells.index(cell)]
    stored_cell_text = next(o for o in stored_cell.outputs if o.output_type == "stream").text
    stored = copy.deepcopy(STORED)
    target = next(
        o for o in stored.cells[ran.cells.index(cell)].outputs if o.output_type == "stream"
    )
    target.text = stored_cell_text + "<object at 0x7f00aa>\n"
    next(o for o in cell.outputs if o.output_type == "stream").text = (
        stored_cell_text + "<object at 0x55bb01>\n"
    )
    assert differences(stored, ran) == []


def test_a_stray_error_a_silent_check_and_a_wrong_language_fail():
    ran = _learners_run()
    plain = next(c for c in ran.cells if c.cell_type == "code" and not is_exercise(c))
    plain.outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="x", traceback=[])]
    with pytest.raises(AssertionError, match="is not a check and failed: NameError"):
        judge(STORED, ran, "en")
    ran = _learners_run()
    next(c for c in ran.cells if is_check(c)).outputs = []
    with pytest.raises(AssertionError, match="did not fail in a blank copy"):
        judge(STORED, ran, "en")
    with pytest.raises(AssertionError, match="does not say"):
        judge(STORED, _learners_run("en"), "ko")


def test_an_unrun_cell_fails():
    ran = _learners_run()
    next(c for c in ran.cells if c.cell_type == "code").execution_count = None
    with pytest.raises(AssertionError, match="did not run"):
        judge(STORED, ran, "en")


def test_the_run_starts_the_plain_cpu_kernel():
    assert on_plain_cpu(copy.deepcopy(STORED)).metadata.kernelspec.name == PLAIN_CPU
