"""Blank copies for self-study, and the course folder an instructor grades a class in.

    python tools/release.py student [NAME ...] [--edition ko] [--out student]
    python tools/release.py course DIR [--course-id ID] [--exchange DIR] [--edition ko]

``student`` writes each notebook's learner copy into ``student/`` (what ``make lab`` opens):
answers replaced by ``raise NotImplementedError()``, outputs cleared, no jupytext pairing. A copy
is created when missing and refreshed while untouched; once edited it is never overwritten (the
manifest ``student/.released.json`` remembers what each copy looked like when written).

``course`` makes an nbgrader course folder for a class: ``source/<notebook>/<notebook>.ipynb``
for every notebook (without jupytext's pairing metadata) and an ``nbgrader_config.py`` with the
course id, the exchange, a cell timeout long enough for the training notebooks, and the hidden
grader (``tools/answer_key``) in the autograde steps. Run nbgrader's commands in that folder.

``--edition ko`` releases the Korean edition (``notebooks/ko``): the same code and grade ids,
Korean prose, and a ``.course-language`` file beside each notebook, so that a kernel started there
gives check messages and figures in Korean. Student copies go to ``student/ko``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
from build_notebooks import notebook_paths  # tools/ is on the path: run as a script, or via tests
from korean_edition import KOREAN, korean_path

from course_lib.language import MARKER

ROOT = Path(__file__).resolve().parent.parent

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
CELL_TIMEOUT = (
    600  # seconds per cell: nbgrader's own default (30 s) is too short for training cells
)

CONFIG = '''\
"""nbgrader configuration of this course folder, written by {tool}."""

import sys

sys.path.insert(0, {tools!r})  # the instructor's answer key and hidden grader

c = get_config()  # noqa: F821 - provided by nbgrader
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = {root!r}
c.Exchange.root = {exchange!r}
c.Execute.timeout = {timeout}
c.ClearSolutions.code_stub = {{"python": {stub!r}}}
# A deleted check cell comes back, and is graded like the others.
c.OverwriteCells.add_missing_cells = True
# The grade comes from the hidden grader, which runs before the submission's code runs here.
# Named, not imported: only autograde loads the grader (and torch); the other commands stay quick.
c.Autograde.autograde_preprocessors = [
    "answer_key.nbgrader_plugin.HiddenTests",
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "answer_key.nbgrader_plugin.ApplyHiddenVerdicts",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
'''


def unpaired(notebook: Path) -> nbformat.NotebookNode:
    """The notebook without jupytext's pairing metadata (jupytext could write answers back)."""
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata.pop("jupytext", None)
    return nb


def blank(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A learner's copy: answers replaced by the stub, outputs cleared, check cells locked.

    Check cells are tagged ``raises-exception``: Run All goes on past an unsolved exercise's
    check, as JupyterLab and nbclient do for that tag, so every check shows its verdict.
    """
    from nbgrader.preprocessors import ClearOutput, ClearSolutions, LockCells
    from traitlets.config import Config

    config = Config()
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    resources: dict = {}
    for step in (ClearSolutions, LockCells, ClearOutput):
        nb, resources = step(config=config).preprocess(nb, resources)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")
    return nb


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publish(nb: nbformat.NotebookNode, target: Path) -> str:
    """Write ``nb`` to ``target`` unless the learner edited the copy there; say what happened."""
    out = target.parent
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / ".released.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if target.exists() and manifest.get(target.name) != digest(target):
        return f"kept {target}: it was edited after release (delete it to get a fresh copy)"
    text = io.StringIO()
    nbformat.write(nb, text)
    if target.exists() and text.getvalue() == target.read_text(encoding="utf-8"):
        return f"unchanged {target}"
    nbformat.write(nb, target)
    manifest[target.name] = digest(target)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return f"wrote {target}"


RISE_CSS = (
    ROOT / "notebooks" / "rise.css"
)  # the slides' type sizes, read from the notebook's folder
EDITIONS = ("en", "ko")


def edition_paths(names: list[str], edition: str = "en") -> list[Path]:
    """The source notebooks of ``edition``: ``notebooks/NN_*.ipynb`` or ``notebooks/ko/NN_*.ipynb``."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, got {edition!r}")
    english = notebook_paths(names)
    return english if edition == "en" else [korean_path(p) for p in english]


def beside(folder: Path, edition: str) -> None:
    """What a notebook needs in its folder: the slides' rise.css, and for Korean the language file."""
    shutil.copy(RISE_CSS, folder / RISE_CSS.name)
    if edition != "en":
        shutil.copy(KOREAN / MARKER, folder / MARKER)


def student_copies(names: list[str], out: Path, edition: str = "en") -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    beside(out, edition)
    return [publish(blank(unpaired(p)), out / p.name) for p in edition_paths(names, edition)]


def make_course(
    folder: Path, course_id: str, exchange: Path, names: list[str] = (), edition: str = "en"
) -> Path:
    """Write ``folder``'s nbgrader_config.py and its source/ notebooks of ``edition``; return it."""
    folder = folder.resolve()
    exchange = exchange.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    exchange.mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(
        CONFIG.format(
            tool="tools/release.py course",
            tools=str(ROOT / "tools"),
            course_id=course_id,
            root=str(folder),
            exchange=str(exchange),
            timeout=CELL_TIMEOUT,
            stub=CODE_STUB,
        )
    )
    for notebook in edition_paths(list(names), edition):
        source = folder / "source" / notebook.stem
        source.mkdir(parents=True, exist_ok=True)
        nbformat.write(unpaired(notebook), source / notebook.name)
        beside(source, edition)  # released with the notebook
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="blank learner copies for self-study")
    student.add_argument("names", nargs="*", help="only notebooks whose name contains one of these")
    student.add_argument("--edition", choices=EDITIONS, default="en")
    student.add_argument("--out", type=Path, help="default: student/, or student/ko for Korean")
    course = sub.add_parser("course", help="an nbgrader course folder for a class")
    course.add_argument("folder", type=Path)
    course.add_argument("--course-id", default="sequence-models")
    course.add_argument(
        "--exchange", type=Path, default=Path(os.environ.get("NBGRADER_EXCHANGE", "exchange"))
    )
    course.add_argument("--only", nargs="*", default=[], help="only these notebooks")
    course.add_argument("--edition", choices=EDITIONS, default="en")
    args = parser.parse_args(argv)
    if args.command == "student":
        out = args.out or ROOT / "student" / ("" if args.edition == "en" else args.edition)
        for line in student_copies(args.names, out, args.edition):
            print(line)
    else:
        folder = make_course(args.folder, args.course_id, args.exchange, args.only, args.edition)
        print(f"course folder {folder}: nbgrader_config.py and source/ for each notebook")
    return 0


if __name__ == "__main__":
    sys.exit(main())
