"""Plots draw what they are given: every series at its own x values."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import warnings  # noqa: E402

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


def _printed(fig) -> None:
    """Print ``fig`` as the notebook's inline backend does (what triggers plots' draw hook)."""
    import io

    fig.canvas.print_figure(io.BytesIO(), format="png")


def test_figures_speak_the_course_language(monkeypatch):
    """In Korean, titles, axis labels, legend entries and word ticks are drawn in Korean; numbers,
    math and kept names (RNN, MSE) stay; in English the figure is drawn as written."""
    from course_lib import language

    monkeypatch.delenv("COURSE_FIGURE_WORDS", raising=False)
    for lang, title, legend, tick in (
        ("en", "덧셈 문제 (adding problem), length 40", "tanh RNN, seed 1", "encoder"),
        ("ko", "덧셈 문제, 길이 40", "tanh RNN, 시드 1", "인코더"),
    ):
        language.set_language(lang)
        try:
            ax = plots.curves_over_seeds(
                {("tanh RNN", 1): [0.3, 0.2]},
                x={("tanh RNN", 1): [0, 100]},
                title="덧셈 문제 (adding problem), length 40",
                xlabel="training step",
                ylabel="test MSE",
            )
            bar_ax = plots.bars({"encoder": 1.0, "decoder": 2.0})
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                _printed(ax.figure)
                _printed(bar_ax.figure)
            assert ax.get_title() == title
            assert [t.get_text() for t in ax.get_legend().get_texts()] == [legend]
            assert bar_ax.get_xticklabels()[0].get_text() == tick
            expected = (
                ("학습 스텝", "테스트 MSE") if lang == "ko" else ("training step", "test MSE")
            )
            assert (ax.get_xlabel(), ax.get_ylabel()) == expected
        finally:
            language.set_language(None)
            plots.plt.close("all")


def test_an_english_figure_is_checked_in_korean_under_the_nbval_kernel(monkeypatch):
    """COURSE_FIGURE_WORDS=check (the nbval kernel's setting) warns about a figure word with no
    Korean entry, and leaves the English figure as it was."""
    monkeypatch.setenv("COURSE_FIGURE_WORDS", "check")
    monkeypatch.delenv("COURSE_LANGUAGE", raising=False)
    ax = plots.curves({"a brand new curve": [1, 2]}, title="덧셈 문제 (adding problem), length 40")
    with pytest.warns(plots.FigureWordsWarning, match="'a brand new curve'"):
        _printed(ax.figure)
    assert ax.get_title() == "덧셈 문제 (adding problem), length 40"
    plots.plt.close("all")
    ax = plots.curves({"tanh RNN, seed 0": [1, 2]}, xlabel="training step", ylabel="test MSE")
    with warnings.catch_warnings():
        warnings.simplefilter("error", plots.FigureWordsWarning)
        _printed(ax.figure)
    plots.plt.close("all")


def test_the_nbval_kernel_checks_figure_words():
    import json
    from pathlib import Path

    spec = Path(__file__).parent / "jupyter" / "kernels" / "python3-plain-cpu" / "kernel.json"
    assert json.loads(spec.read_text())["env"]["COURSE_FIGURE_WORDS"] == "check"


def test_figure_words_translate_patterns_and_spot_english():
    from course_lib.figure_words import translate, untranslated

    assert translate("unit 3") == "유닛 3"
    assert translate("tanh RNN, seed 2") == "tanh RNN, 시드 2"
    assert translate("unit 3", "en") == "unit 3"
    assert translate("나는") == "나는"  # data words pass through
    assert untranslated("a new label") and not untranslated("unit 3")
    assert not untranslated("$\\log_{10}$ MSE") and not untranslated("LSTM")
    assert not untranslated("1e-3")  # a log axis's tick
