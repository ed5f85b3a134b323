"""The figure layout check that every notebook figure runs when drawn (course_lib.plots):
legends over points, overlapping texts and lines through labels are found; clean figures pass."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import plots  # noqa: E402

X = np.linspace(0, 1, 50)


def _drawn(fig):
    fig.canvas.draw()
    problems = plots.layout_problems(fig)
    plt.close(fig)
    return problems


def test_a_legend_over_the_curves_is_found_and_one_in_a_free_corner_is_not():
    fig, ax = plt.subplots()
    ax.plot(X, X, label="a")
    ax.plot(X, 1 - X, label="b")
    ax.legend(loc="center")
    assert any("legend" in p and "covers" in p for p in _drawn(fig))
    fig, ax = plt.subplots()
    ax.plot(X, X**8, label="a")
    ax.legend(loc="upper left")
    assert _drawn(fig) == []


def test_bars_and_scatter_points_count_as_plotted():
    fig, ax = plt.subplots()
    ax.bar(["a", "b", "c"], [1.0, 1.0, 1.0], label="bars")
    ax.legend(loc="upper center")
    assert _drawn(fig)
    fig, ax = plt.subplots()
    ax.scatter(X, np.full_like(X, 0.5), label="s")
    ax.set_ylim(0, 1)
    ax.legend(loc="center left")
    assert _drawn(fig)


def test_overlapping_titles_and_a_line_through_a_label_are_found():
    fig, axes = plt.subplots(1, 3, figsize=(4, 2))
    for ax in axes:
        ax.set_title("a long title for a narrow axes")
    assert any("overlap" in p for p in _drawn(fig))
    fig, ax = plt.subplots()
    ax.axhline(0.5)
    ax.text(0.4, 0.49, "baseline 0.5")
    assert any("runs through the label" in p for p in _drawn(fig))


def test_printing_a_figure_with_problems_warns():
    fig, ax = plt.subplots()
    ax.plot(X, X, label="a")
    ax.legend(loc="center")
    with pytest.warns(plots.LayoutWarning, match="covers"):
        fig.savefig(io.BytesIO())
    plt.close(fig)
    fig, ax = plt.subplots()
    ax.plot(X, X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO())
    plt.close(fig)


def test_axes_turned_off_and_arrow_only_annotations_are_not_counted():
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.axis("off")
    assert _drawn(fig) == []
    fig, ax = plt.subplots()
    ax.axhline(0.5)
    ax.annotate("", xy=(0.2, 0.5), xytext=(0.8, 0.5), arrowprops={"arrowstyle": "->"})
    assert _drawn(fig) == []


def test_ticks_outside_the_limits_and_a_tight_crop_are_not_counted():
    fig, axes = plt.subplots(2, 1, figsize=(4, 3))
    for ax in axes:
        ax.plot(X, X)
        ax.set_ylim(-0.05, 1.05)  # the locator also places 1.2, which is never drawn
    assert _drawn(fig) == []
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(np.arange(61), np.arange(61))
    ax.set_xlabel("time step t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), bbox_inches="tight")
    plt.close(fig)
