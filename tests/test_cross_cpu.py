"""What nbval compares must not depend on the CPU: `make test`'s one run of each notebook is also
the cross-CPU run.

The stored outputs are made with this machine's own kernels (AVX2 or AVX512). `make test` runs each
notebook (its learner's copy, tests/learner_run.py) in a kernel whose torch uses its plain kernels
(``ATEN_CPU_CAPABILITY=default``, the kernelspec in ``tests/jupyter/kernels/python3-plain-cpu``),
whose float results differ in the last bits, and training amplifies that. So one run checks both
that a notebook reproduces its stored outputs and that they do not depend on the CPU; `make nbval`
uses the same kernel. A cell may differ only where it is tagged ``nbval-ignore-output``, and then
the claims it asserts still run (and fail it if false).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "python3-plain-cpu"
SPEC = ROOT / "tests" / "jupyter" / "kernels" / KERNEL / "kernel.json"


def test_the_notebook_runs_and_make_nbval_use_the_plain_cpu_kernel():
    from learner_run import PLAIN_CPU, PLAIN_CPU_SPEC, on_plain_cpu

    assert PLAIN_CPU == KERNEL and PLAIN_CPU_SPEC == SPEC
    assert on_plain_cpu(nbformat.v4.new_notebook()).metadata.kernelspec.name == KERNEL
    makefile = (ROOT / "Makefile").read_text()
    assert f"PLAIN_CPU := --nbval-kernel-name {KERNEL}" in makefile
    nbval_recipe = re.search(r"^nbval:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "$(NBVAL)" in nbval_recipe and "$(PLAIN_CPU)" in nbval_recipe
    assert 'JUPYTER_PATH="$(CURDIR)/tests/jupyter"' in makefile
    assert json.loads(SPEC.read_text())["env"]["ATEN_CPU_CAPABILITY"] == "default"


@pytest.mark.integration
def test_the_plain_cpu_kernel_runs_torchs_default_kernels(monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(ROOT / "tests" / "jupyter"))
    manager, client = start_new_kernel(kernel_name=KERNEL)
    try:
        found = []
        client.execute_interactive(
            "import torch; print(torch.backends.cpu.get_cpu_capability())",
            output_hook=lambda m: found.append(m["content"].get("text", "")),
            timeout=120,
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "".join(found).strip() == "DEFAULT"
