"""Every notebook, as a learner and a lecturer meet it: JupyterLab in headless Chromium.

- **Run All** in each notebook's learner copy (answers blank, as ``make lab`` gives it), saved
  and judged by ``tests/learner_run.py``: this one run per notebook is the release's run (only
  the checks fail, each saying "not implemented yet" in the notebook's language), the stored
  outputs' check (nbval's rules, every cell outside the exercises) and the cross-CPU run (the
  plain-CPU kernel), and here every figure also renders. ``make test`` runs no notebook
  elsewhere (tests/test_release.py runs the copies with nbclient only where Chromium is missing).
  One notebook runs in its Korean edition (``KOREAN_RUN``): Korean check messages and figures
  from the same code, through the language file beside it.
- **Slides**: each notebook's slideshow (RISE) stepped through at 1280×720, every slide measured
  against the screen; the English notebooks five to a slideshow (one page load for five), and in
  Korean the notebook whose text grew most against its English one (``tools/slides.py``; no
  other Korean slide holds more text than its English slide).

Starts JupyterLab on loopback over a temporary folder (so nothing the browser does can overwrite
the course's files), saves screenshots to build/screenshots/, and stops the server. Skipped, with
the reason, where Chromium is not installed (CI installs it).
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
import warnings
from pathlib import Path

import nbformat
import pytest
from build_notebooks import NOTEBOOKS as NOTEBOOK_DIR
from build_notebooks import notebook_paths
from korean_edition import KOREAN, korean_path
from lab_server import CHROMIUM, CHROMIUM_FLAGS, browser_missing, lab_server
from learner_run import is_exercise, judge, plain_cpu_env
from slides import korean_deck_to_measure, step_through

from course_lib.language import MARKER
from release import blank, unpaired

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.integration  # make test only: not in make check's short loop
if browser_missing():  # the same reason makes tests/test_release.py run the blank copies itself
    pytest.skip(browser_missing(), allow_module_level=True)
# imported only where the test can run: `pip install .[dev]` without playwright skips, not errors
playwright = pytest.importorskip("playwright.sync_api")
PlaywrightTimeout = playwright.TimeoutError
SCREENSHOTS = ROOT / "build" / "screenshots"
SETTINGS = {
    # no news toast over the notebook, and every cell kept in the page so it can be inspected
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        # no "Select Kernel" dialog when a busy first page load has not yet listed the kernels
        "autoStartDefaultKernel": True,
    },
}


def _shut_down_kernels(url: str, token: str) -> None:
    """Delete every session (and so its kernel) on the server: one notebook's kernel at a time."""
    sessions = json.load(urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=10))
    for session in sessions:
        request = urllib.request.Request(
            f"{url}/api/sessions/{session['id']}?token={token}", method="DELETE"
        )
        urllib.request.urlopen(request, timeout=30)


KOREAN_RUN = "03"  # the notebook whose Korean edition Run All runs (the code is the English one)
EDITIONS = {"en": "", "ko": "ko/"}  # the folder of each edition under run/ and slides/


def _run_paths() -> list[tuple[str, Path]]:
    """(edition, source notebook) of each Run All: every notebook once, one of them in Korean."""
    return [
        ("ko", korean_path(p)) if p.stem.startswith(KOREAN_RUN) else ("en", p)
        for p in notebook_paths()
    ]


def _decks() -> list[tuple[str, tuple[Path, ...]]]:
    """(edition, notebooks) of each slideshow stepped through: the English notebooks in two
    slideshows of five (one page load each, one per worker), and the Korean notebook whose text
    grew most (tools/slides.py: no other Korean slide holds more text than its English one,
    tests/test_korean_edition.py)."""
    english = tuple(notebook_paths())
    return [("en", english[:5]), ("en", english[5:]), ("ko", (korean_deck_to_measure(),))]


def _deck_name(notebooks: tuple[Path, ...]) -> str:
    return f"{notebooks[0].stem[:2]}-{notebooks[-1].stem[:2]}.ipynb"


def _joined(notebooks: tuple[Path, ...]) -> nbformat.NotebookNode:
    """One notebook holding ``notebooks``' cells in order (cell ids made unique). A slide's layout
    depends only on its own cells and rise.css, so one slideshow measures several notebooks'
    slides with one page load."""
    joined = nbformat.read(notebooks[0], as_version=4)
    joined.cells = []
    for number, path in enumerate(notebooks):
        for cell in nbformat.read(path, as_version=4).cells:
            cell.id = f"n{number}-{cell.id}"
            joined.cells.append(cell)
    return joined


def _where(notebooks: tuple[Path, ...], cell: int) -> str:
    """The notebook and cell number of cell ``cell`` (0-based) of the joined slideshow."""
    for path in notebooks:
        count = len(nbformat.read(path, as_version=4).cells)
        if cell < count:
            return f"{path.name} cell {cell + 1}"
        cell -= count
    return f"cell {cell + 1} past the end"


def _folder(root: Path, edition: str) -> Path:
    """``root``'s folder of ``edition``, with what a notebook needs beside it (rise.css, the
    language file)."""
    folder = root / EDITIONS[edition]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(NOTEBOOK_DIR / "rise.css", folder / "rise.css")
    if edition != "en":
        shutil.copy(KOREAN / MARKER, folder / MARKER)
    return folder


@pytest.fixture(scope="session")  # per worker: the tests spread over both
def lab(tmp_path_factory):
    """A JupyterLab server on loopback; yields (url, token, its folder). It serves ``run/``, the
    learners' blank copies, and ``slides/``, the solved notebooks with their stored outputs and
    rise.css, as a lecturer opens them (joined five to a slideshow, ``_decks``); the Korean
    edition in ``ko/`` under each."""
    root = tmp_path_factory.mktemp("lab")
    for edition, path in _run_paths():
        nbformat.write(blank(unpaired(path)), _folder(root / "run", edition) / path.name)
    for edition, notebooks in _decks():
        nbformat.write(
            _joined(notebooks), _folder(root / "slides", edition) / _deck_name(notebooks)
        )
    # The copies keep their kernel (python3, as a learner's); the server gives every kernel the
    # plain-CPU kernelspec's environment. (Naming that kernelspec in the copies made JupyterLab
    # switch kernels in the middle of a Run All on a busy machine.)
    with lab_server(root, SETTINGS, env=plain_cpu_env()) as (url, token):
        yield url, token, root


@pytest.fixture(scope="session")  # per worker: the tests spread over both
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on screen, not other open tabs
PROMPTS = """() => [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent)"""
WAIT_STARTED = f"() => ({PROMPTS})().some(t => /\\[(\\*|\\d+)\\]/.test(t))"
# Run All is over: every cell has run, or none is running or queued ([*]) any more
WAIT_OVER = f"() => !({PROMPTS})().some(t => t.includes('[*]'))"
RUN_SECONDS = 300  # a notebook takes under 30 s alone; this allows for a loaded CI machine


def _run_all_cells(page) -> None:
    """Click Run → Run All Cells until a cell starts ([*] or [n] in a prompt; all start blank).

    A click that lands while JupyterLab is still wiring a new kernel could be lost, and the
    test would then wait for nothing; a queued cell shows [*] at once. A modal dialog blocks
    the menu: in CI the first notebook once opened with "Select Kernel" (its kernel list had
    not arrived on a busy machine; the failure screenshot shows it), so a dialog is accepted
    with its default first.
    """
    for _ in range(3):
        accept = page.locator(".jp-Dialog .jp-mod-accept")  # a dialog such as "Select Kernel"
        if accept.count():
            accept.first.click()
        try:
            page.get_by_role("menuitem", name="Run", exact=True).click(timeout=20_000)
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click(timeout=20_000)
            page.wait_for_function(WAIT_STARTED, timeout=60_000)
            return
        except PlaywrightTimeout:
            continue
    pytest.fail("Run All Cells did not start any cell in three tries")


def _open_and_run(browser, url: str, token: str, where: str, path: Path, code_cells: int):
    """Open ``path`` in JupyterLab, run all cells, wait until every prompt shows [n]; the page.

    On a timeout the page is closed and the error names the cells that had not finished.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(
            f"{url}/lab/tree/run/{where}{path.name}?reset&token={token}"
        )  # reset: no tabs from before
        page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=120_000)
        page.wait_for_selector(
            f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000
        )
        _run_all_cells(page)
        for _ in range(2):  # over twice, a second apart: not between two cells
            page.wait_for_function(WAIT_OVER, timeout=RUN_SECONDS * 1000, polling=500)
            page.wait_for_timeout(1000)
        prompts = page.evaluate(PROMPTS)
        unrun = [i + 1 for i, t in enumerate(prompts) if not re.search(r"\[\d+\]", t)]
        if len(prompts) != code_cells or unrun:
            # a kernel that died or restarted mid-run leaves cells blank; the retry shows whether
            # a fresh kernel runs them
            raise PlaywrightTimeout(f"Run All stopped with code cells {unrun[:5]} not run")
        return page
    except PlaywrightTimeout as error:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{path.stem}-failed.png"))  # what the page showed
        prompts = page.evaluate(PROMPTS)
        unfinished = [f"cell {i + 1}: {t.strip()}" for i, t in enumerate(prompts) if "[*]" in t]
        shown = page.locator(f"{PANEL} .jp-OutputArea-output[data-mime-type*='stderr']")
        first = shown.first.inner_text()[-300:] if shown.count() else "none"
        page.close()
        raise TimeoutError(
            f"{path.name}: not finished ({error}); still running or queued: {unfinished[:3]}; "
            f"first error shown: {first}"
        ) from error


def _saved(page, path: Path, code_cells: int) -> nbformat.NotebookNode:
    """Save the notebook on screen (File → Save Notebook) and read it back from ``path`` once
    every code cell in the file has run."""
    page.get_by_role("menuitem", name="File", exact=True).click(timeout=20_000)
    page.get_by_role("menuitem", name=re.compile(r"^Save Notebook")).first.click(timeout=20_000)
    for _ in range(120):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - half written: read again
            nb = None
        ran = nb and sum(c.get("execution_count") is not None for c in nb.cells)
        if ran == code_cells:
            return nb
        page.wait_for_timeout(500)
    raise AssertionError(f"{path.name}: the saved notebook did not hold the run's outputs in 60 s")


@pytest.mark.runs_notebook
@pytest.mark.parametrize(
    "edition, path", _run_paths(), ids=lambda v: v if isinstance(v, str) else v.stem
)
def test_the_learners_copy_runs_in_the_browser(lab, browser, edition, path):
    """Run All, saved and judged by tests/learner_run.py (release, stored outputs, cross-CPU);
    and every figure the solved notebook stores outside the exercises renders."""
    url, token, root = lab
    stored = nbformat.read(path, as_version=4)
    code_cells = sum(c.cell_type == "code" for c in stored.cells)
    figures = sum(
        "image/png" in o.get("data", {})
        for c in stored.cells
        if not is_exercise(c)
        for o in c.get("outputs", [])
    )
    where = EDITIONS[edition]
    try:
        page = _open_and_run(browser, url, token, where, path, code_cells)
    except TimeoutError as first:
        # A stall that a fresh kernel does not repeat is the browser's, not the notebook's (the
        # "Select Kernel" dialog was one); a notebook that hangs for a learner stalls again.
        _shut_down_kernels(url, token)
        warnings.warn(f"{first}; ran again in a fresh kernel", stacklevel=1)
        page = _open_and_run(browser, url, token, where, path, code_cells)
    try:
        rendered = page.locator(f"{PANEL} .jp-OutputArea-output img").count()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{path.stem}-{edition}.png"))
        ran = _saved(page, root / "run" / where / path.name, code_cells)
    finally:
        page.close()
        _shut_down_kernels(url, token)
    try:
        judge(stored, ran, edition)
    except AssertionError as error:
        raise AssertionError(f"{path.name} ({edition}) in the browser: {error}") from None
    assert rendered >= figures, (
        f"{path.name} ({edition}): {rendered} figures rendered, {figures} expected"
    )


@pytest.mark.parametrize(
    "edition, notebooks", _decks(), ids=lambda v: v if isinstance(v, str) else _deck_name(v)[:5]
)
def test_every_slide_fits_a_1280_by_720_screen(lab, browser, edition, notebooks):
    """The slideshow (JupyterLab's RISE page, what Alt+R shows) stepped through slide by slide:
    no element of any slide ends below or right of a 1280×720 window. A failing slide's
    screenshot is saved to build/screenshots/."""
    url, token, _ = lab
    name = _deck_name(notebooks)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        deck = step_through(
            page, url, token, f"slides/{EDITIONS[edition]}{name}", shots=SCREENSHOTS
        )
    finally:
        page.close()
        _shut_down_kernels(url, token)
    cells = sum(len(nbformat.read(p, as_version=4).cells) for p in notebooks)
    last = len(nbformat.read(notebooks[-1], as_version=4).cells)
    assert len(deck.slides) >= 4 * len(notebooks) and deck.slides[-1].first_cell is not None
    assert deck.slides[-1].first_cell >= cells - last // 2, "the stepping stopped before the end"
    bad = [
        f"{_where(notebooks, s.first_cell)} ({s.below} px below, {s.right} px right)"
        for s in deck.overflowing
    ]
    assert not bad, f"{edition}: {len(bad)} of {len(deck.slides)} slides overflow: {bad}"
