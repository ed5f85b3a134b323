"""Step through notebooks' RISE slideshows at 1280×720 in headless Chromium; report what overflows.

    python tools/slides.py [NAME ...] [--edition ko] [--shots DIR]

For each notebook: opens JupyterLab's RISE page (what Alt+R shows), steps through every slide and
sub-slide, and measures each slide's content against the 1280×720 window. Prints one line per
slide that runs off the screen (by how many pixels, and the first cell that does), a summary per
notebook, and the number of errors in the browser console. ``--shots`` saves a screenshot of each
overflowing slide. ``tests/test_browser.py`` runs the same measurement and fails on any overflow:
on every English deck and on the Korean deck whose text grew most against its English
(``korean_deck_to_measure``). The other Korean decks are bounded, not measured, in ``make test``:
no Korean slide holds more text than its English slide (``text_widths``, Hangul counting two
columns as it renders about twice a Latin letter's width; tests/test_korean_edition.py). Run
``--edition ko`` after revising a translation to measure every Korean slide.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from build_notebooks import NOTEBOOKS, RISE, notebook_paths
from korean_edition import korean_path
from lab_server import CHROMIUM, CHROMIUM_FLAGS, lab_server

WIDTH, HEIGHT = 1280, 720
# The current slide (RISE puts sub-slides inside their slide: the innermost present one), and how
# far below the window its lowest visible element ends; the id of the cell that does.
MEASURE = """() => {
  const all = [...document.querySelectorAll('.reveal .slides section.present')];
  const slide = all.filter(s => !s.querySelector('section.present')).pop();
  if (!slide) return null;
  let worst = 0, cell = null, right = 0;
  for (const el of slide.querySelectorAll('.jp-Cell, .jp-Cell *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const below = r.bottom - window.innerHeight;
    if (below > worst) {
      worst = below;
      const c = el.closest('.jp-Cell');
      cell = c ? [...c.parentElement.parentElement.querySelectorAll('.jp-Cell')].indexOf(c) : null;
    }
    right = Math.max(right, r.right - window.innerWidth);
  }
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const first = slide.querySelector('.jp-Cell');
  return {id: slide.id, below: Math.round(worst), right: Math.round(right),
          cell: first ? cells.indexOf(first) : null};
}"""

# Whether the present slide is another than the one named (RISE's transition is none: at once).
CHANGED = """(previous) => {
  const all = [...document.querySelectorAll('.reveal .slides section.present')];
  const slide = all.filter(s => !s.querySelector('section.present')).pop();
  return !!slide && slide.id !== previous;
}"""


@dataclass
class Slide:
    id: str
    below: int  # px of content below the window (0 when it fits)
    right: int
    first_cell: int | None


@dataclass
class Deck:
    notebook: str
    slides: list[Slide] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def overflowing(self) -> list[Slide]:
        return [s for s in self.slides if s.below > 1 or s.right > 1]


def step_through(page, url: str, token: str, name: str, shots: Path | None = None) -> Deck:
    """Open ``name``'s slideshow on ``page`` and measure every slide in order."""
    deck = Deck(name)
    page.on("console", lambda m: deck.console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/rise/{name}?token={token}")
    page.wait_for_selector(".reveal .slides section.present", timeout=120_000)
    page.wait_for_timeout(2000)  # fonts, MathJax and images settle
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    seen = set()
    for _ in range(400):
        if seen:  # after Space: the next slide, or none (the last slide stays present)
            try:
                page.wait_for_function(CHANGED, arg=deck.slides[-1].id, timeout=1500)
            except PlaywrightTimeout:
                break
        info = page.evaluate(MEASURE)
        if info is None or info["id"] in seen:
            break
        seen.add(info["id"])
        slide = Slide(info["id"], info["below"], info["right"], info["cell"])
        deck.slides.append(slide)
        if shots is not None and (slide.below > 1 or slide.right > 1):
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{Path(name).stem}-{slide.id}.png"))
        page.keyboard.press("Space")  # next slide or sub-slide
    return deck


def text_widths(nb: nbformat.NotebookNode) -> list[int]:
    """Each slide's text, in columns (a wide character such as Hangul counts two): the markdown
    source of its cells, from a slide or sub-slide start to the next; skipped cells and notes
    are not shown."""
    widths: list[int] = []
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide") or not widths:
            widths.append(0)
        if cell.cell_type == "markdown":
            widths[-1] += sum(
                2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in cell.source
            )
    return widths


def korean_growth(english: Path) -> float:
    """The largest ratio of a Korean slide's text width to its English slide's, for one notebook."""
    en = text_widths(nbformat.read(english, as_version=4))
    ko = text_widths(nbformat.read(korean_path(english), as_version=4))
    return max(k / e for e, k in zip(en, ko, strict=True) if e)


def korean_deck_to_measure() -> Path:
    """The Korean notebook whose slides' text grew most against the English: the one Korean deck
    that make test steps through in the browser."""
    return korean_path(max(notebook_paths(), key=korean_growth))


def path_of_css() -> Path:
    return NOTEBOOKS / "rise.css"


def measure(paths: list[Path], shots: Path | None = None) -> list[Deck]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="slides-") as tmp:
        root = Path(tmp) / "notebooks"
        root.mkdir()
        shutil.copy(path_of_css(), root / "rise.css")
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            nb.metadata["rise"] = dict(RISE)  # as the next build will store it
            nbformat.write(nb, root / path.name)
        with lab_server(root) as (url, token), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            decks = []
            for path in paths:
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                try:
                    decks.append(step_through(page, url, token, path.name, shots))
                finally:
                    page.close()
            browser.close()
    return decks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*")
    parser.add_argument("--shots", type=Path, default=None)
    parser.add_argument("--edition", choices=["en", "ko"], default="en")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.names)
    if args.edition == "ko":
        paths = [korean_path(p) for p in paths]
    decks = measure(paths, args.shots)
    total = over = 0
    for deck in decks:
        for s in deck.overflowing:
            print(
                f"  {deck.notebook} {s.id}: {s.below} px below, {s.right} px right (cell {s.first_cell})"
            )
        total, over = total + len(deck.slides), over + len(deck.overflowing)
        print(
            f"{deck.notebook}: {len(deck.overflowing)} of {len(deck.slides)} slides overflow; "
            f"{len(deck.console_errors)} console errors"
        )
    print(f"all: {over} of {total} slides overflow")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
