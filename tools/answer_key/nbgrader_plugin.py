"""nbgrader preprocessors that take each check cell's grade from the hidden grader.

``nbgrader autograde`` runs a submission in a kernel and gives a check cell its points unless
the cell's output holds an error. A submission can make any cell's output clean from inside that
kernel (patching the checks, ``print``, ``AssertionError``, IPython's exception handler), so the
grading course's ``nbgrader_config.py`` (written by ``tools/release.py course``) puts two steps
around the kernel's run:

- ``HiddenTests``, before ``Execute``: grades the answer cells with ``grader.grade_notebook``, in
  a separate interpreter, before any of the submission's code has run in the kernel;
- ``ApplyHiddenVerdicts``, after it: replaces each check cell's outputs with the verdict (a line
  of text when it passed, an ``ExerciseFailure`` error when not), which ``SaveAutoGrades`` scores.

The verdicts speak the submitted notebook's language: Korean for the Korean edition
(``grader.notebook_language``), else English.
"""

from __future__ import annotations

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from .grader import check_calls, grade_notebook


class HiddenTests(NbGraderPreprocessor):
    """Grade the submission's answer cells apart from the notebook; keep the verdicts."""

    def preprocess(self, nb, resources):
        verdicts = grade_notebook(nb)
        resources["hidden_verdicts"] = {
            grade_id: verdicts[exercise] for grade_id, exercise, _ in check_calls(nb)
        }
        for verdict in verdicts.values():
            self.log.info("hidden test %s", verdict.message)
        return nb, resources


class ApplyHiddenVerdicts(NbGraderPreprocessor):
    """Write each check cell's hidden verdict as its only output."""

    def preprocess(self, nb, resources):
        verdicts = resources.get("hidden_verdicts", {})
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or grade_id not in verdicts:
                continue
            verdict = verdicts[grade_id]
            if verdict.passed:
                cell.outputs = [
                    nbformat.v4.new_output("stream", name="stdout", text=verdict.message + "\n")
                ]
            else:
                cell.outputs = [
                    nbformat.v4.new_output(
                        "error",
                        ename="ExerciseFailure",
                        evalue=verdict.message,
                        traceback=[f"ExerciseFailure: {verdict.message}"],
                    )
                ]
        return nb, resources
