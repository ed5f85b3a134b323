"""Every notebook under nbval as another CPU would run it: what nbval compares must not depend on
the CPU's kernels.

``ATEN_CPU_CAPABILITY=default`` makes torch use its plain kernels instead of the AVX2 or AVX512
ones it picks on this machine; their float results differ in the last bits, and training
amplifies that. The stored outputs were made with the machine's own kernels, and the plain
``--nbval`` run of ``make test`` compares a fresh run with them on the same kernels; this test
compares a run on other kernels. A cell may differ only where it is tagged
``nbval-ignore-output``, and then the claims it asserts still run (and fail it if false).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from build_notebooks import notebook_paths

ROOT = Path(__file__).resolve().parent.parent
KERNEL_DIED = "Kernel died before replying to kernel_info"


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_passes_nbval_with_torchs_plain_cpu_kernels(path):
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
        str(path.relative_to(ROOT)), "--nbval",
        "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
    ]  # fmt: skip
    for attempt in range(2):
        run = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        # a kernel that dies while starting (a busy machine) says nothing of the notebook: once more
        if run.returncode == 0 or KERNEL_DIED not in run.stdout or attempt == 1:
            break
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert run.returncode == 0, "\n".join(lines[-60:])
