"""A one-line progress report that ends as a summary: live in JupyterLab, finished when stored.

``with Progress(300, "training") as bar: ... bar.update()`` shows ``training: 120/300 steps`` in
a notebook, updated in place at most twice a second, and leaves ``training: 300/300 steps ·
<summary>`` when it closes. It is plain text under a display id, not a widget: the stored output
(what GitHub, nbviewer, nbconvert and the RISE slides show) is the finished line, never "0%", and
the slides need no widget manager. Outside a Jupyter kernel it shows nothing.
The tests compare the line up to its step count (tests/nbval_sanitize.cfg): the summary after it
holds a loss and a time that vary with the CPU.
"""

from __future__ import annotations

import time


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class Progress:
    """Progress over ``total`` units; ``update(n)`` adds n, ``close(summary)`` writes the last line."""

    def __init__(self, total: int, desc: str = "training", unit: str = "steps", show: bool = True):
        self.total, self.desc, self.unit = total, desc, unit
        self.done = 0
        self.summary = ""
        self._handle = None
        self._shown_at = 0.0
        self._show = show and _in_kernel()

    def _line(self) -> str:
        line = f"{self.desc}: {self.done}/{self.total} {self.unit}"
        return f"{line} · {self.summary}" if self.summary else line

    def _render(self):
        from IPython.display import Pretty

        return Pretty(self._line())

    def __enter__(self) -> Progress:
        if self._show:
            from IPython.display import display

            self._handle = display(self._render(), display_id=True)
            self._shown_at = time.monotonic()
        return self

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._handle is not None and time.monotonic() - self._shown_at >= 0.5:
            self._handle.update(self._render())
            self._shown_at = time.monotonic()

    def close(self, summary: str = "") -> None:
        self.summary = summary
        if self._handle is not None:
            self._handle.update(self._render())
            self._handle = None

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self.close(self.summary)
