"""Plots draw what they are given: every series at its own x values."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import plots  # noqa: E402


def test_curves_draws_each_series_at_its_own_steps():
    ax = plots.curves(
        {"lstm": [0.3, 0.2, 0.1], "tanh": [0.3, 0.2, 0.2, 0.2]},
        x={"lstm": [50, 300, 550], "tanh": [100, 200, 300, 400]},
    )
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["lstm"].get_xdata(), [50, 300, 550])
    np.testing.assert_array_equal(lines["tanh"].get_xdata(), [100, 200, 300, 400])
    plots.plt.close("all")


def test_curves_refuses_x_values_that_do_not_match_a_series():
    with pytest.raises(ValueError, match="'short' has 2 values but 3 x values"):
        plots.curves({"short": [1.0, 2.0]}, x=[1, 2, 3])
    plots.plt.close("all")


def test_curves_over_seeds_colours_by_model_and_styles_by_seed():
    runs = {(name, seed): [0.3, 0.1 * seed] for name in ("LSTM", "GRU") for seed in (0, 1)}
    steps = {key: [50, 100] for key in runs}
    ax = plots.curves_over_seeds(runs, x=steps, hline=0.16)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["LSTM, seed 0"].get_color() == lines["LSTM, seed 1"].get_color()
    assert lines["LSTM, seed 0"].get_color() != lines["GRU, seed 0"].get_color()
    assert lines["GRU, seed 0"].get_linestyle() != lines["GRU, seed 1"].get_linestyle()
    assert lines["GRU, seed 1"].get_linestyle() == lines["LSTM, seed 1"].get_linestyle()
    plots.plt.close("all")


def test_draw_topologies_draws_five_panels():
    fig = plots.draw_topologies()
    assert len(fig.axes) == 5
    assert "one-to-many" in fig.axes[1].get_title()
    fig.clf()
