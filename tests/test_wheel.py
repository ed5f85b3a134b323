"""The package a student's hub image installs (`pip install .`, a built wheel) is complete and
holds no answer key: every subpackage and the checks' stored cases are in it, a check runs from it
alone, and no reference implementation (tools/answer_key) is."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # make test only: not in make check's short loop

ROOT = Path(__file__).resolve().parent.parent


def test_the_built_wheel_holds_the_checks_and_imports_them(tmp_path):
    # build from a copy of what is committed: setuptools' build/ cache in the checkout could
    # carry files that no longer exist
    tracked = subprocess.run(
        ["git", "ls-files", "course_lib", "pyproject.toml", "README.md"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    tracked += [p.relative_to(ROOT).as_posix() for p in (ROOT / "course_lib").rglob("*.json")]
    tree = tmp_path / "src"
    for name in set(tracked):
        if (ROOT / name).exists():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, tree / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(tree)],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    wheel = next(tmp_path.glob("course_lib-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    sources = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "course_lib").rglob("*.py"))
    sources += sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "course_lib/checks/cases").glob("*.json")
    )
    missing = [s for s in sources if s not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert not [n for n in names if "answer_key" in n or n.startswith(("tools/", "tests/"))]
    text = " ".join(zipfile.ZipFile(wheel).read(n).decode("utf-8", "replace") for n in names)
    assert "_reference" not in text and "ANSWERS" not in text
    # import from the wheel alone (a zip on sys.path), not from this checkout
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import course_lib.checks as c; import numpy as np; "
        "assert c.__file__.startswith(sys.argv[1]), c.__file__; "
        "c.check_rnn_step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T + b)); "
        "print(len(c.EXERCISES))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(wheel)],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert "rnn_step: passed" in out.stdout and int(out.stdout.split()[-1]) >= 20
