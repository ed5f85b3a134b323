"""Grade notebooks' answer cells as the class grader does: apart from the notebook, fresh inputs.

    python tools/answer_key/grade.py notebooks/02_rnn.ipynb [...]

Prints each exercise's verdict and the points; exit status 1 if any exercise failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbformat  # noqa: E402

from answer_key import ANSWERS  # noqa: E402, F401 - registers every exercise
from answer_key.grader import grade_notebook  # noqa: E402


def main(paths: list[str]) -> int:
    failed = False
    for path in paths:
        verdicts = grade_notebook(nbformat.read(path, as_version=4))
        got = sum(v.points for v in verdicts.values() if v.passed)
        total = sum(v.points for v in verdicts.values())
        print(f"{path}: {got} of {total} points")
        for v in verdicts.values():
            print(f"  {'PASS' if v.passed else 'FAIL'} ({v.points} pt) {v.message}")
        failed |= got < total
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
