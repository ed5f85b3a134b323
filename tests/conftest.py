"""Shared test setup.

- The scripts in ``tools/`` (``build_notebooks``, ``release``, ``answer_key``, ...) are importable
  by module name, for every test file.
- Scheduling on two pytest-xdist workers (``make test``): the class round trip's tests, which
  share one course, stay together on one worker (``pytest_xdist_make_scheduler`` below; xdist's
  own ``loadgroup`` does not work with pytest 9's node ids). Every other test goes to whichever
  worker is free: the notebooks' runs spread over both (each worker starts its own JupyterLab
  server and Chromium when it first needs them). The work is handed out longest first, so that
  neither worker is left alone with a long unit at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

# An order, not a measurement (`make bench` prints the notebooks' times): a wrong guess only costs
# a tail of a few seconds.
NOTEBOOKS_SLOWEST_FIRST = ("09", "05", "07", "10", "06", "04", "08", "03", "02", "01")
ROUND_TRIP = "test_class_round_trip"  # one module fixture runs the whole class: one unit


def _notebook_number(item: pytest.Item) -> str | None:
    """The NN of the notebook a test parametrized by one runs."""
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec else ():
        if isinstance(value, Path) and value.suffix == ".ipynb":
            return value.name[:2]
    return None


def _rank(item: pytest.Item) -> tuple[int, int]:
    """Sort key: the round trip, notebook runs (slowest first), other integration tests, the rest."""
    if item.path.stem == ROUND_TRIP:
        return 0, 0
    number = _notebook_number(item)
    if item.get_closest_marker("runs_notebook") and number in NOTEBOOKS_SLOWEST_FIRST:
        return 1, NOTEBOOKS_SLOWEST_FIRST.index(number)
    return (2, 0) if item.get_closest_marker("integration") else (3, 0)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: starts another program (a Jupyter server or kernel, a browser, a wheel"
        " build, the hidden grader's process, a fresh interpreter); make test runs it, make check"
        " does not",
    )
    config.addinivalue_line(
        "markers", "runs_notebook: executes a whole notebook (handed out early, slowest first)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_rank)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown without it (-p no:xdist)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under ``--dist loadscope``: the round trip is one unit of work, every other test its own."""
    if config.getvalue("dist") != "loadscope":
        return None  # xdist's own scheduler (make check: plain load, no notebooks)
    from xdist.scheduler import LoadScopeScheduling

    class RoundTripAsOneUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if Path(path).stem == ROUND_TRIP else nodeid

    return RoundTripAsOneUnit(config, log)
