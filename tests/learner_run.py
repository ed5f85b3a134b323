"""One run of a learner's copy, judged for four purposes at once.

A notebook runs once in ``make test``: its learner's copy (answers blank, as ``make lab`` gives
it) with Run All, in JupyterLab in headless Chromium (``tests/test_browser.py``), or with nbclient
where there is no browser (``tests/test_release.py``). The kernel runs torch's plain CPU kernels
and also checks every figure in Korean (the environment of the ``PLAIN_CPU`` kernelspec), and the
run, saved as a notebook, is judged here:

- **the release**: every check cell fails saying "not implemented yet" in the notebook's language,
  and no other cell fails;
- **the stored outputs** (what ``make nbval`` checks): every cell outside the exercises prints
  what the solved notebook stores, compared by nbval's own rules (its stream merging, the
  sanitizing patterns of ``tests/nbval_sanitize.cfg``, images and metadata skipped, cells tagged
  ``nbval-ignore-output`` or ``nbval-skip`` left out). A blank answer changes no other cell's
  output: the cells after an exercise run on ``course_lib``;
- **the cross-CPU run**: the stored outputs were made with this CPU's own kernels, so an output
  that depends on the kernels fails here and not only on a learner's machine.

The browser adds the fourth purpose, a learner's JupyterLab: each figure renders.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
from nbval.plugin import (
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    transform_streams_for_comparison,
)

from course_lib.checks import messages

HERE = Path(__file__).resolve().parent
JUPYTER_PATH = HERE / "jupyter"  # holds the plain-CPU kernelspec
PLAIN_CPU = "python3-plain-cpu"
PLAIN_CPU_SPEC = JUPYTER_PATH / "kernels" / PLAIN_CPU / "kernel.json"
SANITIZE = get_sanitize_patterns((HERE / "nbval_sanitize.cfg").read_text())
# What nbval leaves out of a comparison (nbval.plugin.IPyNbFile.skip_compare, without --nbdime)
SKIP = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)


def plain_cpu_env() -> dict[str, str]:
    """The environment the plain-CPU kernelspec gives its kernels (``ATEN_CPU_CAPABILITY``, ...)."""
    return json.loads(PLAIN_CPU_SPEC.read_text())["env"]


def on_plain_cpu(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` set to start the plain-CPU kernel (as ``nbval --nbval-kernel-name`` does)."""
    nb.metadata["kernelspec"] = {
        "name": PLAIN_CPU,
        "display_name": json.loads(PLAIN_CPU_SPEC.read_text())["display_name"],
        "language": "python",
    }
    return nb


def is_exercise(cell) -> bool:
    """An answer cell or a check cell: blank in a learner's copy, so not compared."""
    grading = cell.metadata.get("nbgrader", {})
    return bool(grading.get("solution") or grading.get("grade"))


def is_check(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("grade"))


def _sanitized(value):
    if not isinstance(value, str):
        return value
    for pattern, replacement in SANITIZE:
        value = re.sub(pattern, replacement, value)
    return value


def _by_field(outputs) -> dict[str, list]:
    """nbval's view of a cell's outputs: each compared field (a stream's name, a mime type, an
    error's name and value), with its values in order, sanitized."""
    fields: dict[str, list] = {}
    for output in transform_streams_for_comparison(coalesce_streams(copy.deepcopy(outputs))):
        for key, value in output.items():
            if key in SKIP:
                continue
            items = value.items() if key == "data" else [(key, value)]
            for field, text in items:
                if field not in SKIP:
                    fields.setdefault(field, []).append(_sanitized(text))
    return fields


def _compared(cell) -> bool:
    options = dict(find_comment_markers(cell.source))
    options.update(find_metadata_tags(cell.metadata))
    return not options.get("skip") and options.get("check", True)


def differences(stored: nbformat.NotebookNode, ran: nbformat.NotebookNode) -> list[str]:
    """One line per code cell outside the exercises whose outputs differ from the stored ones."""
    found = []
    for number, (old, new) in enumerate(zip(stored.cells, ran.cells, strict=True), start=1):
        if old.cell_type != "code" or is_exercise(old) or not _compared(old):
            continue
        before, after = _by_field(old.outputs), _by_field(new.get("outputs", []))
        if before != after:
            field = next(
                f for f in sorted(set(before) | set(after)) if before.get(f) != after.get(f)
            )
            found.append(
                f"cell {number} ({field}): stored {str(before.get(field))[:400]!r}, "
                f"now {str(after.get(field))[:400]!r}"
            )
    return found


def not_implemented(language: str) -> str:
    """What an unsolved exercise's check says, in ``language`` (the message's start)."""
    return messages.MESSAGES["not_implemented"][language].split(":")[0]


def errors(cell) -> list[str]:
    """The error outputs of a cell, each as "Name: value"."""
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def judge(stored: nbformat.NotebookNode, ran: nbformat.NotebookNode, language: str) -> None:
    """Raise an AssertionError that names what is wrong with ``ran``, a learner's copy of
    ``stored`` after Run All; ``language`` is the notebook's edition ("en" or "ko")."""
    unrun = [
        i + 1
        for i, c in enumerate(ran.cells)
        if c.cell_type == "code" and c.execution_count is None
    ]
    assert not unrun, f"cells {unrun[:5]} did not run"
    stray = [(i + 1, errors(c)) for i, c in enumerate(ran.cells) if errors(c) and not is_check(c)]
    assert not stray, f"cell {stray[0][0]} is not a check and failed: {stray[0][1][0][:2000]}"
    said = not_implemented(language)
    for number, cell in enumerate(ran.cells, start=1):
        if is_check(cell):
            assert errors(cell), f"the check of cell {number} did not fail in a blank copy"
            assert said in errors(cell)[0], (
                f"the check of cell {number} does not say {said!r}: {errors(cell)[0][-500:]}"
            )
    changed = differences(stored, ran)
    assert not changed, (
        f"{len(changed)} cells differ from the stored outputs (nbval's rules), first {changed[0]}"
    )
