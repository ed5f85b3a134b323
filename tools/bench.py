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

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))


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


def module_table(repeats: int) -> None:
    print(
        f"{'course module vs torch (forward+backward)':<64}{'course ms':>10}{'torch ms':>10}{'ratio':>8}"
    )
    for path in sorted(TOOLS.glob("bench_*.py")):
        for label, course_step, torch_step in importlib.import_module(path.stem).cases():
            c, t = paired_medians(course_step, torch_step, repeats)
            print(f"{label:<64}{c * 1e3:>10.2f}{t * 1e3:>10.2f}{c / t:>7.2f}x", flush=True)


def notebook_table() -> None:
    import nbformat

    from notebooks import execute, notebook_paths

    print(f"{'notebook (fresh kernel, top to bottom)':<40}{'seconds':>8}")
    for path in notebook_paths():
        seconds = execute(nbformat.read(path, as_version=4))
        print(f"{path.stem:<40}{seconds:>8.1f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notebooks-only", action="store_true")
    parser.add_argument("--modules-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    if not args.modules_only:
        notebook_table()
        print()
    if not args.notebooks_only:
        module_table(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
