"""The Korean edition (한국어판): each notebook's prose translated, its code and outputs shared.

    python tools/korean_edition.py build [NN ...]     # notebooks/ko/NN_*.ipynb from the English + the translation
    python tools/korean_edition.py check [NN ...]     # what is stale, missing or off in the translations (exit 1)
    python tools/korean_edition.py skeleton NN        # start a translation: the English text under each marker

A notebook's translation is ``notebooks/ko/NN_name.md``: one block per markdown cell of the English
notebook, in order, each opened by a marker that records which English text it translates::

    <!-- cell 3 · en 1a2b3c4d5e6f · Notebook 02 ended on a warning … -->
    노트북 02는 경고로 끝났습니다 …

``en`` is the start of the SHA-256 of the English cell's source. When an English cell changes, its
hash changes, and ``check`` (and ``tests/test_korean_edition.py``) names the cell until its Korean
is revised and its marker carries the new hash (``check`` prints it).

``build`` writes ``notebooks/ko/NN_name.ipynb``: the English notebook's cells, code, outputs and
metadata as they are, with each markdown cell's text replaced by its Korean. ``build_notebooks.py``
calls it after every English build, so the code and outputs of the two editions are identical by
construction and the tests run each notebook once.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat
from build_notebooks import notebook_paths  # tools/ is on the path: run as a script, or via tests

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KOREAN = NOTEBOOKS / "ko"
MIN_HANGUL = 0.6  # of the letters outside code and math, in every Korean markdown cell

MARKER = re.compile(r"^<!-- cell (\d+) · en ([0-9a-f]{12})(?: · .*)? -->$")


def english_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


english_notebooks = notebook_paths  # the English notebooks, optionally only those named


def translation_path(english: Path) -> Path:
    return KOREAN / f"{english.stem}.md"


def korean_path(english: Path) -> Path:
    return KOREAN / english.name


@dataclass
class Block:
    """One translated cell: its number among the markdown cells (from 1), the hash, the Korean."""

    number: int
    en: str
    text: str


def read_translation(path: Path) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        found = MARKER.match(line)
        if found:
            if blocks:
                blocks[-1].text = "\n".join(lines).strip("\n")
            elif any(s.strip() for s in lines):
                raise ValueError(f"{path.name}: text before the first cell marker")
            blocks.append(Block(int(found[1]), found[2], ""))
            lines = []
        else:
            lines.append(line)
    if blocks:
        blocks[-1].text = "\n".join(lines).strip("\n")
    return blocks


def markdown_sources(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def orientation(source: str, width: int = 60) -> str:
    """The start of an English cell, on one line, for a marker (a reader's landmark only)."""
    line = " ".join(source.split())
    return (line[:width] + "…") if len(line) > width else line


def marker(number: int, source: str) -> str:
    return f"<!-- cell {number} · en {english_hash(source)} · {orientation(source)} -->"


# What is not prose: fenced and inline code, display and inline math, HTML tags, link targets.
_NOT_PROSE = re.compile(
    r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|<[^>]+>|\]\([^)]*\)|https?://\S+", re.DOTALL
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def prose(text: str) -> str:
    return _NOT_PROSE.sub(" ", text)


def is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"


def hangul_share(text: str) -> float:
    """Hangul's share of the letters outside code and math (1.0 when there are none)."""
    letters = [ch for ch in prose(text) if ch.isalpha()]
    return sum(map(is_hangul, letters)) / len(letters) if letters else 1.0


def numbers(text: str) -> Counter:
    """The numbers written in digits in ``text`` (code and math included), with their counts."""
    return Counter(_NUMBER.findall(text))


def unrendered_emphasis(text: str) -> bool:
    """Whether ``**`` or ``__`` survives CommonMark rendering outside code and math: bold that does
    not render (e.g. ``**강요(forcing)**로``: a closing ``**`` after punctuation needs a space or
    punctuation after it; write ``**강요**(forcing)로``)."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(prose(text))
    return "**" in html or "__" in html


def problems(english: Path) -> list[str]:
    """What is wrong with ``english``'s translation: missing, stale, too little Hangul, numbers."""
    path = translation_path(english)
    if not path.exists():
        return [
            f"{path.relative_to(ROOT)} is missing: run `python tools/korean_edition.py skeleton {english.stem[:2]}`"
        ]
    sources = markdown_sources(nbformat.read(english, as_version=4))
    try:
        blocks = read_translation(path)
    except ValueError as e:
        return [str(e)]
    found = []
    if [b.number for b in blocks] != list(range(1, len(sources) + 1)):
        found.append(
            f"{path.name}: the markers number {[b.number for b in blocks]}, but {english.name} has "
            f"{len(sources)} markdown cells (1..{len(sources)})"
        )
        return found
    for block, source in zip(blocks, sources, strict=True):
        where = f"{path.name} cell {block.number}"
        if block.en != english_hash(source):
            found.append(
                f"{where}: the English cell changed since it was translated ({orientation(source)!r}); "
                f"revise the Korean and set its marker's hash to {english_hash(source)}"
            )
        share = hangul_share(block.text)
        if share < MIN_HANGUL:
            found.append(
                f"{where}: Hangul is {share:.0%} of the letters outside code and math "
                f"(at least {MIN_HANGUL:.0%} required): {orientation(block.text)!r}"
            )
        if unrendered_emphasis(block.text) and not unrendered_emphasis(source):
            found.append(
                f"{where}: a ** or __ does not render as bold: {orientation(block.text)!r}"
            )
        if numbers(block.text) != numbers(source):
            missing = numbers(source) - numbers(block.text)
            extra = numbers(block.text) - numbers(source)
            found.append(
                f"{where}: the numbers differ from the English cell's "
                f"(missing {sorted(missing.elements())}, extra {sorted(extra.elements())})"
            )
    return found


def korean_notebook(english: Path) -> nbformat.NotebookNode:
    """The Korean edition of ``english``: its cells with each markdown text replaced by the Korean."""
    nb = nbformat.read(english, as_version=4)
    blocks = read_translation(translation_path(english))
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    if len(blocks) != len(markdown):
        raise ValueError(
            f"{translation_path(english).name} has {len(blocks)} cells, {english.name} has "
            f"{len(markdown)} markdown cells: run `python tools/korean_edition.py check`"
        )
    ko = copy.deepcopy(nb)
    for cell, block in zip((c for c in ko.cells if c.cell_type == "markdown"), blocks, strict=True):
        cell.source = block.text
    ko.metadata.pop("jupytext", None)  # never paired: the Korean .ipynb is built, not edited
    ko.metadata["course"] = {"edition": "ko", "translates": f"../{english.name}"}
    return ko


def build(paths: list[Path]) -> None:
    for english in paths:
        if not translation_path(english).exists():
            print(f"{english.name}: no Korean translation yet")
            continue
        target = korean_path(english)
        nbformat.write(korean_notebook(english), target)
        stale = problems(english)
        note = (
            f" ({len(stale)} problems: run `python tools/korean_edition.py check`)" if stale else ""
        )
        print(f"wrote {target.relative_to(ROOT)}{note}")


def skeleton(english: Path) -> Path:
    path = translation_path(english)
    if path.exists():
        raise SystemExit(f"{path.relative_to(ROOT)} exists: edit it")
    sources = markdown_sources(nbformat.read(english, as_version=4))
    path.write_text(
        "\n\n".join(f"{marker(i, s)}\n{s}" for i, s in enumerate(sources, 1)) + "\n",
        encoding="utf-8",
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["build", "check", "skeleton"])
    parser.add_argument("names", nargs="*", help="notebooks (e.g. 05; default: all)")
    args = parser.parse_args(argv)
    paths = english_notebooks(args.names)
    if args.command == "build":
        build(paths)
        return 0
    if args.command == "skeleton":
        for english in paths:
            print(f"wrote {skeleton(english).relative_to(ROOT)}")
        return 0
    found = [p for english in paths for p in problems(english)]
    print("\n".join(found) if found else f"{len(paths)} translations: no problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
