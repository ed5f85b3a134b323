"""Lecture mode: every notebook is a slideshow and JupyterLab's RISE extension is enabled."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from notebooks import notebook_paths

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_every_notebook_has_a_slide_structure(path):
    cells = nbformat.read(path, as_version=4).cells
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in cells]
    assert None not in kinds, "every cell needs slideshow metadata: rebuild with tools/notebooks.py"
    assert kinds[0] == "slide"
    headings = [
        c
        for c in cells
        if c.cell_type == "markdown" and any(ln.startswith("## ") for ln in c.source.splitlines())
    ]
    assert headings and all(c.metadata.slideshow.slide_type == "slide" for c in headings)
    assert kinds.count("slide") >= 4, "a lecture needs more than a couple of slides"


def test_rise_extension_is_enabled_in_jupyterlab():
    jupyter = Path(sys.executable).parent / "jupyter"
    listing = subprocess.run(
        [str(jupyter), "labextension", "list"], capture_output=True, text=True, check=True
    )
    text = listing.stdout + listing.stderr
    line = next((ln for ln in text.splitlines() if "jupyterlab-rise" in ln), "")
    assert "enabled" in line and "OK" in line, f"jupyterlab-rise not enabled:\n{text}"
