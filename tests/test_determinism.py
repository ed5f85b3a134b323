"""Every notebook, run twice in fresh kernels, prints the same compared outputs both times.

"Compared" means what nbval compares: stream text and text/plain, after the
sanitize rules in nbval_sanitize.cfg, in every cell not tagged nbval-ignore-output.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import execute, notebook_paths  # noqa: E402


def _sanitizers() -> list[tuple[re.Pattern, str]]:
    config = configparser.ConfigParser()
    config.read(Path(__file__).with_name("nbval_sanitize.cfg"), encoding="utf-8")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


SANITIZERS = _sanitizers()


def compared_outputs(nb: nbformat.NotebookNode) -> list[list[str]]:
    """Per code cell, the sanitized texts nbval would compare."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        texts = []
        for out in cell.outputs:
            if out.output_type == "stream":
                # the kernel may split one print into pieces; join consecutive pieces as nbval does
                if texts and texts[-1].startswith(f"{out.name}:"):
                    texts[-1] += out.text
                else:
                    texts.append(f"{out.name}:{out.text}")
            elif out.output_type in ("execute_result", "display_data") and "text/plain" in out.data:
                texts.append(out.data["text/plain"])
        for pattern, replacement in SANITIZERS:
            texts = [pattern.sub(replacement, t) for t in texts]
        cells.append(texts)
    return cells


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_two_fresh_runs_print_the_same(path):
    runs = []
    for _ in range(2):
        nb = nbformat.read(path, as_version=4)
        execute(nb)
        runs.append(compared_outputs(nb))
    for i, (first, second) in enumerate(zip(*runs, strict=True)):
        assert first == second, (
            f"{path.name}: code cell {i + 1} printed differently:\n{first}\n---\n{second}"
        )
