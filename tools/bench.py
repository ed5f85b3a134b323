"""Benchmark: each notebook's run time and each course module's speed against torch's.

    python tools/bench.py [--notebooks-only | --modules-only] [--repeats N]

Not a test: it prints measurements. Module cases come from ``tools/bench_*.py``
files, each exposing ``cases() -> [(label, course_step, torch_step), ...]``
where a step is one forward+backward pass. Take timings with nothing else running.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent  # on sys.path when run as a script: bench_*.py import


def paired_medians(course_step, torch_step, repeats: int) -> tuple[float, float]:
    """Median wall times of the two steps, measured in alternation after three warm-ups each.

    Alternating course, torch, course, torch... makes a machine stall hit both sides alike.
    """
    for _ in range(3):
        course_step()
        torch_step()
    course_times, torch_times = [], []
    for _ in range(repeats):
        for step, times in ((course_step, course_times), (torch_step, torch_times)):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
    return statistics.median(course_times), statistics.median(torch_times)


WIDTH = 92
HEADER = f"{'what':<{WIDTH}}{'course':>12}{'torch':>12}{'ratio':>9}"


def row(label: str, course: str, torch: str = "", ratio: str = "") -> str:
    """One line of the table: a notebook's run time, or a module against torch's with the ratio."""
    return f"{label:<{WIDTH}}{course:>12}{torch:>12}{ratio:>9}"


def module_rows(repeats: int):
    """Yield a table row per course module against torch's (forward+backward, medians)."""
    for path in sorted(TOOLS.glob("bench_*.py")):
        for label, course_step, torch_step in importlib.import_module(path.stem).cases():
            c, t = paired_medians(course_step, torch_step, repeats)
            yield row(label, f"{c * 1e3:.2f} ms", f"{t * 1e3:.2f} ms", f"{c / t:.2f}x")


def notebook_rows():
    """Yield a table row per notebook: its run time in a fresh kernel, top to bottom."""
    import nbformat
    from build_notebooks import execute, notebook_paths

    for path in notebook_paths():
        seconds = execute(nbformat.read(path, as_version=4))
        yield row(f"notebook {path.stem} (fresh kernel, top to bottom)", f"{seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notebooks-only", action="store_true")
    parser.add_argument("--modules-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    print(HEADER)
    rows = []
    if not args.modules_only:
        rows.append(notebook_rows())
    if not args.notebooks_only:
        rows.append(module_rows(args.repeats))
    for line in (line for group in rows for line in group):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
