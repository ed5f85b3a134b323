"""The package a student's hub image installs (`pip install .`, a built wheel) is complete:
it holds every subpackage, the exercise checkers included, and imports without the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_built_wheel_holds_the_checks_and_imports_them(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    wheel = next(tmp_path.glob("course_lib-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    sources = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "course_lib").rglob("*.py"))
    missing = [s for s in sources if s not in names]
    assert not missing, f"the wheel lacks {missing}"
    # import from the wheel alone (a zip on sys.path), not from this checkout
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import course_lib.checks as c; "
        "assert c.__file__.startswith(sys.argv[1]), c.__file__; "
        "print(len(c.EXERCISES))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(wheel)],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert int(out.stdout) >= 20
