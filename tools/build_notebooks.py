"""Build the course notebooks from their .py twins, and check that the pairs agree.

    python tools/build_notebooks.py [NAME ...]     # .py twin -> executed .ipynb (outputs stored) -> .py again
    python tools/build_notebooks.py --check-pairs  # exit 1 if any .ipynb and its .py twin differ

``make bench`` times the notebooks (``tools/bench.py``).

The .py (py:percent) twin is what authors edit; ``build`` executes it top to
bottom in a fresh kernel and stores the outputs that the tests later compare, then rebuilds the
Korean edition of the notebook from it and its translation (``tools/korean_edition.py``): the same
cells and outputs with Korean prose. An English cell changed since its translation is reported.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
FORMAT = "py:percent"


def notebook_paths(names: list[str] | None = None) -> list[Path]:
    """The course's source notebooks (``NN_name.ipynb``), optionally only those matching ``names``."""
    paths = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if names:
        paths = [p for p in paths if any(n in p.stem for n in names)]
    return [p.with_suffix(".ipynb") for p in paths]


def execute(nb: nbformat.NotebookNode, timeout: int = 600) -> float:
    """Run ``nb`` in place in a fresh python3 kernel (cwd notebooks/); return seconds taken."""
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    return time.perf_counter() - start


def paired_text(ipynb: Path) -> str:
    """The py:percent text jupytext makes of ``ipynb`` (what the committed twin must equal)."""
    return jupytext.writes(jupytext.read(ipynb), fmt=FORMAT)


# RISE's options for every notebook (JupyterLab's RISE reads them from the notebook's metadata):
# no transition (a slide is measured where it stands), the content from the top and never
# scrolled (what does not fit the 1280×720 screen is cut: tests/test_browser.py measures every
# slide), and the show starts at the beginning. notebooks/rise.css sets the type size for a room.
RISE = {
    "transition": "none",
    "scroll": False,
    "center": False,
    "width": "100%",
    "height": "100%",
    "start_slideshow_at": "beginning",
    "slideNumber": True,
    "theme": "simple",
}


def add_slides(nb: nbformat.NotebookNode) -> None:
    """Give every cell RISE slideshow metadata.

    A text cell that opens with a ``#``/``##`` heading starts a slide, other text a sub-slide, and
    code stays with the text that introduces it. The setup cell (the first code cell) gets a
    sub-slide of its own, off the title slide. A cell tagged ``subslide`` (a tall figure, a long
    listing) starts a sub-slide of its own.
    """
    first_code = True
    for cell in nb.cells:
        lines = cell.source.splitlines() if cell.cell_type == "markdown" else []
        heading = bool(lines) and lines[0].startswith(("# ", "## "))
        kind = "slide" if heading else "subslide" if cell.cell_type == "markdown" else "-"
        if cell.cell_type == "code" and (first_code or "subslide" in cell.metadata.get("tags", [])):
            kind = "subslide"
        first_code = first_code and cell.cell_type != "code"
        cell.metadata["slideshow"] = {"slide_type": kind}
    nb.metadata["rise"] = dict(RISE)


def build(paths: list[Path]) -> None:
    for ipynb in paths:
        twin = ipynb.with_suffix(".py")
        nb = jupytext.read(twin)
        nb.metadata["kernelspec"] = {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        }
        nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
        add_slides(nb)  # kept in the .ipynb only: jupytext's cell filter leaves it out of the .py
        seconds = execute(nb)
        jupytext.write(nb, ipynb)
        twin.write_text(paired_text(ipynb), encoding="utf-8")
        print(f"{ipynb.name}: executed in {seconds:.1f} s")
        import korean_edition  # it reads the notebook list from here: imported when used

        korean_edition.build([ipynb])


def check_pairs(paths: list[Path]) -> int:
    bad = [
        p
        for p in paths
        if not p.exists() or paired_text(p) != p.with_suffix(".py").read_text(encoding="utf-8")
    ]
    for p in bad:
        print(
            f"{p.name} and {p.with_suffix('.py').name} differ: run `python tools/build_notebooks.py {p.stem}`"
        )
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="notebooks to build (default: all)")
    parser.add_argument("--check-pairs", action="store_true", help="only check the pairs agree")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.names)
    if args.check_pairs:
        return check_pairs(paths)
    build(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
