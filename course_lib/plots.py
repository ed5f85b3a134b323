"""Matplotlib helpers whose Korean labels render (NanumGothic via koreanize-matplotlib).

Importing this module sets the font once; every course figure goes through it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # koreanize imports distutils
    import koreanize_matplotlib  # noqa: F401  (sets rcParams["font.family"] = NanumGothic)

plt.rcParams["axes.unicode_minus"] = False  # NanumGothic has no U+2212 minus sign
plt.rcParams["figure.dpi"] = 80
plt.rcParams["savefig.dpi"] = 80


def _as_numpy(a) -> np.ndarray:
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


def heatmap(
    matrix,
    *,
    xlabels: Sequence[str] | None = None,
    ylabels: Sequence[str] | None = None,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    ax=None,
    cmap: str = "viridis",
    annotate: bool = False,
    colorbar: bool = True,
):
    """Show a (rows, cols) matrix with optional word labels, e.g. an attention map."""
    m = _as_numpy(matrix)
    if m.ndim != 2:
        raise ValueError(f"matrix must be 2-D (rows, cols), got shape {m.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1 + 0.6 * m.shape[1], 1 + 0.5 * m.shape[0]))
    image = ax.imshow(m, cmap=cmap, aspect="auto")
    if xlabels is not None:
        ax.set_xticks(
            range(len(xlabels)), xlabels, rotation=45 if max(map(len, xlabels)) > 3 else 0
        )
    if ylabels is not None:
        ax.set_yticks(range(len(ylabels)), ylabels)
    if annotate:
        for (i, j), v in np.ndenumerate(m):
            ax.text(
                j, i, f"{v:.2f}", ha="center", va="center", color="w" if v < m.max() / 2 else "k"
            )
    if colorbar:
        ax.figure.colorbar(image, ax=ax)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax


def curves(
    series: dict[str, Sequence[float]],
    *,
    x: Sequence[float] | None = None,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    logy: bool = False,
    hline: float | None = None,
    hline_label: str = "",
    ax=None,
):
    """Plot named curves on one axis (loss or accuracy over steps, norms over time)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    xs = None if x is None else _as_numpy(x)
    for name, values in series.items():
        v = _as_numpy(values)
        ax.plot(np.arange(len(v)) if xs is None else xs[: len(v)], v, label=name)
    if hline is not None:
        ax.axhline(hline, color="gray", linestyle="--", label=hline_label or None)
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def bars(
    values: dict[str, float],
    *,
    title: str = "",
    ylabel: str = "",
    chance: float | None = None,
    ax=None,
    fmt: str = "{:.2f}",
):
    """Bar chart of named values with their numbers on top and an optional chance line."""
    if ax is None:
        _, ax = plt.subplots(figsize=(1.5 + 1.2 * len(values), 3.5))
    names, heights = list(values), [float(v) for v in values.values()]
    rects = ax.bar(
        names, heights, color=plt.rcParams["axes.prop_cycle"].by_key()["color"][: len(names)]
    )
    ax.bar_label(rects, [fmt.format(h) for h in heights])
    if chance is not None:
        ax.axhline(chance, color="gray", linestyle="--", label=f"chance ({chance:.2f})")
        ax.legend()
    ax.set(title=title, ylabel=ylabel)
    ax.set_ylim(0, max(heights + [chance or 0]) * 1.15 or 1)
    return ax
