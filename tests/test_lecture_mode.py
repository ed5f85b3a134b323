"""Lecture mode: every notebook is a slideshow and JupyterLab's RISE extension is enabled."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from build_notebooks import RISE, notebook_paths

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_every_notebook_has_a_slide_structure(path):
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in cells]
    assert None not in kinds, (
        "every cell needs slideshow metadata: rebuild with tools/build_notebooks.py"
    )
    assert kinds[0] == "slide"
    assert kinds.count("slide") >= 4, "a lecture needs more than a couple of slides"
    assert nb.metadata.get("rise") == RISE, "RISE's options: rebuild with tools/build_notebooks.py"
    first_code = next(c for c in cells if c.cell_type == "code")
    assert first_code.metadata.slideshow.slide_type == "subslide", "the setup cell is off the title"


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_every_slide_starts_with_its_heading(path):
    """A text cell that holds a heading starts with it (so its slide opens with the heading, not
    with the previous section's last paragraph), and Summary and Exercises get a slide each."""
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        later = [ln for ln in lines[1:] if ln.startswith(("# ", "## "))]
        assert not later, f"cell {i}: the heading {later[0]!r} is not the cell's first line"
        if lines and lines[0].startswith(("# ", "## ")):
            assert cell.metadata.slideshow.slide_type == "slide", f"cell {i} heads a slide"
    headings = [
        c.source.splitlines()[0]
        for c in nbformat.read(path, as_version=4).cells
        if c.cell_type == "markdown" and c.source.startswith("## ")
    ]
    assert "## Summary" in headings and "## Exercises" in headings


def test_rise_css_sets_the_type_for_a_room():
    css = (ROOT / "notebooks" / "rise.css").read_text()
    sizes = [int(n) for n in re.findall(r"font-size:\s*(\d+)px", css)]
    assert sizes and min(sizes) >= 16, "body text and code at least 16 px on the slides"


@pytest.mark.integration
def test_rise_extension_is_enabled_in_jupyterlab():
    jupyter = Path(sys.executable).parent / "jupyter"
    listing = subprocess.run(
        [str(jupyter), "labextension", "list"], capture_output=True, text=True, check=True
    )
    text = listing.stdout + listing.stderr
    line = next((ln for ln in text.splitlines() if "jupyterlab-rise" in ln), "")
    assert "enabled" in line and "OK" in line, f"jupyterlab-rise not enabled:\n{text}"
