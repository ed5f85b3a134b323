"""Write the student release of the notebooks with nbgrader.

    python tools/release.py [--out student] [--work release] [NAME ...]

Each source notebook becomes one nbgrader assignment (named after the notebook)
in the course folder ``release/course`` (``source/`` -> ``release/``), and its
student version is copied to ``student/``: answers replaced by
``raise NotImplementedError()``, outputs cleared, check cells locked. A student
copy that was edited since it was released is never overwritten: the manifest
``student/.released.json`` remembers what each copy looked like when written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import notebook_paths  # noqa: E402


def nbgrader_api(course: Path):
    """An in-process nbgrader API for the course folder (one start-up for every assignment)."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    # nbgrader runs `alembic` from PATH to create its gradebook: use this venv's.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{course}/gradebook.db"
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    config.Execute.timeout = 600
    return NbGraderAPI(config=config)


def require(result: dict, what: str) -> None:
    """Raise with nbgrader's log when one of its API calls failed."""
    if not result.get("success"):
        raise RuntimeError(
            f"nbgrader {what} failed:\n{result.get('log', '')}\n{result.get('error', '')}"
        )


def make_course(work: Path) -> Path:
    """Create (or reuse) the nbgrader course folder under ``work`` and return it."""
    course = (work / "course").resolve()
    course.mkdir(parents=True, exist_ok=True)
    return course


def generate(api, notebook: Path) -> Path:
    """Put ``notebook`` in the course as its own assignment, generate the release, return its path."""
    course = Path(api.coursedir.root)
    assignment = notebook.stem
    source = course / "source" / assignment
    source.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, source / notebook.name)
    require(api.generate_assignment(assignment, force=True), f"generate_assignment {assignment}")
    return course / "release" / assignment / notebook.name


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publish(released: Path, out: Path) -> str:
    """Copy a released notebook into ``out`` unless the student edited the copy there; say what happened."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / ".released.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    target = out / released.name
    if target.exists() and manifest.get(target.name) != digest(target):
        return f"kept {target}: it was edited after release (delete it to get a fresh copy)"
    nb = nbformat.read(released, as_version=4)
    nb.metadata.pop(
        "jupytext", None
    )  # never pair a student copy: jupytext could write answers back
    nbformat.write(nb, target)
    manifest[target.name] = digest(target)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return f"wrote {target}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="only notebooks whose name contains one of these")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "student", help="where student copies go"
    )
    parser.add_argument(
        "--work", type=Path, default=ROOT / "release", help="nbgrader course folder parent"
    )
    args = parser.parse_args(argv)
    api = nbgrader_api(make_course(args.work))
    for notebook in notebook_paths(args.names):
        print(publish(generate(api, notebook), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
