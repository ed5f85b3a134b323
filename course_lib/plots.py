"""Matplotlib helpers whose Korean labels render (NanumGothic via koreanize-matplotlib).

Charts (``heatmap``, ``curves``, ``curves_over_seeds``, ``bars``), then the lecture's diagrams
(``unrolled_rnn``, ``draw_topologies``).

Importing this module sets the font and a projector's resolution (100 dpi) once, and makes every
figure check its own layout when it is drawn: ``layout_problems(fig)`` lists a legend that covers
plotted points, text that overlaps other text, and a label that a line runs through; a figure
with any of them warns (``LayoutWarning``), so the tests, which compare a cell's stderr with the
stored notebook's (nbval's rules), fail on it.

Figures speak the course's language (``course_lib.language``): in Korean, every title, axis label,
legend entry, note and word tick label is drawn through ``figure_words.translate``, so the Korean
notebooks draw Korean figures with the English notebooks' code. With ``COURSE_FIGURE_WORDS=check``
(set by the tests' plain-CPU kernel), every English figure is also drawn in Korean once, and a word without a
Korean entry, or a Korean layout problem, warns (``FigureWordsWarning``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from . import figure_words, language

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # koreanize imports distutils
    import koreanize_matplotlib  # noqa: F401  (sets rcParams["font.family"] = NanumGothic)

plt.rcParams["axes.unicode_minus"] = False  # NanumGothic has no U+2212 minus sign
plt.rcParams["figure.dpi"] = 100  # a projector's pixels: sharper than the 72-80 dpi defaults
plt.rcParams["savefig.dpi"] = 100


class LayoutWarning(UserWarning):
    """A drawn figure hides its own data or text."""


class FigureWordsWarning(UserWarning):
    """A figure's words have no Korean entry, or its Korean version hides its own text."""


def _box(artist, renderer):
    return artist.get_window_extent(renderer)


def _inside(points: np.ndarray, box) -> np.ndarray:
    return (
        (points[:, 0] > box.x0) & (points[:, 0] < box.x1)
        & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)
    )  # fmt: skip


def _segments_cross(points: np.ndarray, box) -> bool:
    """Whether the polyline through ``points`` (display px) passes through ``box`` (Liang-Barsky)."""
    if len(points) == 0:
        return False
    if len(points) == 1 or _inside(points, box).any():
        return bool(_inside(points, box).any())
    p0, d = points[:-1], np.diff(points, axis=0)
    t0, t1 = np.zeros(len(d)), np.ones(len(d))
    for axis, lo, hi in ((0, box.x0, box.x1), (1, box.y0, box.y1)):
        for q_sign, bound in ((-1, lo), (1, hi)):
            p = q_sign * d[:, axis]
            q = q_sign * (bound - p0[:, axis])
            with np.errstate(divide="ignore", invalid="ignore"):
                r = q / p
            parallel_out = (p == 0) & (q < 0)
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
            t0 = np.where(parallel_out, 2.0, t0)
    return bool(np.any(t0 < t1))


def _plotted_points(ax) -> list[np.ndarray]:
    """Display coordinates of the points each line, scatter and bar of ``ax`` shows, one array each."""
    clip = ax.get_window_extent()
    shown = []
    for line in ax.get_lines():
        if line.get_visible() and len(line.get_xydata()):
            xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
            shown.append(xy[_inside(xy, clip.expanded(1.001, 1.001))])
    for coll in ax.collections:
        offsets = np.asarray(coll.get_offsets(), dtype=float)
        if coll.get_visible() and offsets.ndim == 2 and len(offsets) > 1:
            xy = coll.get_offset_transform().transform(offsets)
            shown.append(xy[_inside(xy, clip.expanded(1.001, 1.001))])
    tops = [
        (r.get_x() + r.get_width() / 2, r.get_y() + r.get_height())
        for r in ax.patches
        if r.get_visible() and hasattr(r, "get_width") and r.get_width() > 0
    ]
    if tops:
        shown.append(ax.transData.transform(np.asarray(tops, dtype=float)))
    return shown


def _drawn_tick_labels(axis) -> list:
    """The major tick labels matplotlib draws: those whose tick lies within the axis's limits."""
    lo, hi = sorted(axis.get_view_interval())
    slack = 1e-9 * (hi - lo)
    return [
        label
        for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False)
        if lo - slack <= loc <= hi + slack
    ]


def _titles_labels_notes(fig) -> list:
    """The figure's and each axes' titles and notes, and the axis labels of each axes drawn."""
    texts = list(fig.texts)
    if getattr(fig, "_suptitle", None) is not None:
        texts.append(fig._suptitle)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title] + list(ax.texts)
        if ax.axison:  # an axes turned off draws no labels and no ticks
            texts += [ax.xaxis.label, ax.yaxis.label]
    return texts


def _drawn_axes(fig) -> list:
    """The x and y axes of every axes of ``fig`` that is drawn (their ticks may be words)."""
    return [axis for ax in fig.axes if ax.axison for axis in (ax.xaxis, ax.yaxis)]


def _texts(fig) -> list:
    """Every visible, non-empty text of ``fig`` outside legends: titles, labels, ticks, notes."""
    ticks = [label for axis in _drawn_axes(fig) for label in _drawn_tick_labels(axis)]
    return [
        t for t in _titles_labels_notes(fig) + ticks if t.get_visible() and t.get_text().strip()
    ]


def layout_problems(fig) -> list[str]:
    """What the drawn ``fig`` hides: legends over points, overlapping texts, lines through labels."""
    fig.draw_without_rendering()  # positions as drawn now, not as a cropped print left them
    renderer = fig.canvas.get_renderer()
    problems = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            box = _box(legend, renderer)
            covered = sum(int(_inside(xy, box).sum()) for xy in _plotted_points(ax))
            if covered:
                where = ax.get_title() or ax.get_ylabel() or "an axes"
                problems.append(f"the legend of {where!r} covers {covered} plotted points")
        for text in ax.texts:
            if not (text.get_visible() and text.get_text().strip()):
                continue  # an annotation that is only an arrow has no label to cross
            box = _box(text, renderer)
            for line in ax.get_lines():
                if line.get_visible() and len(line.get_xydata()):
                    xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
                    if _segments_cross(xy, box):
                        problems.append(f"a line runs through the label {text.get_text()!r}")
                        break
    boxes = [(t, _box(t, renderer)) for t in _texts(fig)]
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if width > 1 and height > 1:
                problems.append(f"the texts {a.get_text()!r} and {b.get_text()!r} overlap")
    return problems


def _words(fig) -> list:
    """The texts of ``fig`` that are words: titles, axis labels, notes and legend entries."""
    texts = _titles_labels_notes(fig)
    for legend in list(fig.legends) + [ax.get_legend() for ax in fig.axes]:
        if legend is not None:
            texts += legend.get_texts()
    return [t for t in texts if t.get_text().strip()]


class _TranslatedTicks(ticker.Formatter):
    """An axis's tick labels through ``figure_words.translate``: words (model names on a bar
    chart) change language, numbers have no entry and stay."""

    def __init__(self, inner: ticker.Formatter, to: str) -> None:
        self.inner, self.to = inner, to

    def __call__(self, x, pos=None):
        return figure_words.translate(self.inner(x, pos), self.to)

    def set_axis(self, axis):
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs):
        self.inner.set_locs(locs)

    def get_offset(self):
        return self.inner.get_offset()

    def format_data_short(self, value):
        return self.inner.format_data_short(value)


def translate_figure(fig, to: str) -> Callable[[], None]:
    """Draw ``fig``'s words in language ``to`` from now on; return a function that undoes it."""
    texts = [(t, t.get_text()) for t in _words(fig)]
    for text, words in texts:
        text.set_text(figure_words.translate(words, to))
    axes = [
        (axis, axis.get_major_formatter())
        for axis in _drawn_axes(fig)
        if not isinstance(axis.get_major_formatter(), _TranslatedTicks)
    ]
    for axis, formatter in axes:
        axis.set_major_formatter(_TranslatedTicks(formatter, to))

    def undo() -> None:
        for text, words in texts:
            text.set_text(words)
        for axis, formatter in axes:
            axis.set_major_formatter(formatter)

    return undo


def korean_problems(fig) -> list[str]:
    """What ``fig`` drawn in Korean would show wrong: English words left, or hidden text."""
    words = [t.get_text() for t in _words(fig)]
    words += [label.get_text() for axis in _drawn_axes(fig) for label in _drawn_tick_labels(axis)]
    missing = sorted({w for w in words if figure_words.untranslated(w)})
    problems = [
        f"no Korean for the figure words {w!r} (course_lib/figure_words.py)" for w in missing
    ]
    undo = translate_figure(fig, "ko")
    try:
        problems += [f"in Korean, {p}" for p in layout_problems(fig)]
    finally:
        undo()
    return problems


def _check_layout_when_drawn():
    """Make every figure printed (as the notebook's inline backend does) check its layout, in the
    course's language."""
    from matplotlib.backend_bases import FigureCanvasBase

    if getattr(FigureCanvasBase.print_figure, "_checks_layout", False):
        return
    original = FigureCanvasBase.print_figure

    def print_figure(self, *args, **kwargs):
        to = language.current()
        if to != "en":
            translate_figure(self.figure, to)
        result = original(self, *args, **kwargs)
        problems = layout_problems(self.figure)
        if problems:
            warnings.warn("; ".join(problems), LayoutWarning, stacklevel=2)
        if to == "en" and os.environ.get("COURSE_FIGURE_WORDS") == "check":
            problems = korean_problems(self.figure)
            if problems:
                warnings.warn("; ".join(problems), FigureWordsWarning, stacklevel=2)
        return result

    print_figure._checks_layout = True
    FigureCanvasBase.print_figure = print_figure


_check_layout_when_drawn()


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
    x: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    logy: bool = False,
    hline: float | None = None,
    hline_label: str = "",
    ax=None,
):
    """Plot named curves on one axis (loss or accuracy over steps, norms over time).

    x: the x values shared by every series, or one sequence per series name (series measured at
    different steps); each must be as long as its series. None plots against 0, 1, 2, ...
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for name, values in series.items():
        v = _as_numpy(values)
        xs = np.arange(len(v)) if x is None else _as_numpy(x[name] if isinstance(x, Mapping) else x)
        if len(xs) != len(v):
            raise ValueError(f"series {name!r} has {len(v)} values but {len(xs)} x values")
        ax.plot(xs, v, label=name)
    if hline is not None:
        ax.axhline(hline, color="gray", linestyle="--", label=hline_label or None)
    if logy:
        ax.set_yscale("log")
        # matplotlib's log labels are mathtext with U+2212 minus signs, a glyph NanumGothic lacks
        ax.yaxis.set_major_formatter(
            ticker.FuncFormatter(lambda v, _: f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-"))
        )
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def curves_over_seeds(
    series: Mapping[tuple[str, int], Sequence[float]],
    *,
    x: Mapping[tuple[str, int], Sequence[float]],
    **options,
):
    """Plot every (model, seed) run: one colour per model, one line style per seed.

    series and x are keyed by (model name, seed), e.g. the test MSE of each run and the steps it
    was measured at; the other keyword arguments go to :func:`curves`. The legend sits beside the
    axes, off the curves.
    """
    names = list(dict.fromkeys(name for name, _ in series))
    seeds = list(dict.fromkeys(seed for _, seed in series))
    label = {key: f"{key[0]}, seed {key[1]}" for key in series}
    ax = curves(
        {label[k]: v for k, v in series.items()}, x={label[k]: x[k] for k in series}, **options
    )
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    styles = ["-", "--", ":", "-."]
    for line in ax.get_lines():
        key = next((k for k, text in label.items() if text == line.get_label()), None)
        if key is not None:
            line.set(
                color=colours[names.index(key[0]) % len(colours)],
                linestyle=styles[seeds.index(key[1]) % len(styles)],
            )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
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


def unrolled_rnn(
    words: Sequence[str],
    *,
    title: str = "RNN unrolled in time",
    bidirectional: bool = False,
    ax=None,
):
    """Draw an RNN unrolled over ``words``: one cell per step, the same W_xh and W_hh at every step.

    With ``bidirectional`` a second row of cells runs right to left, and each output
    y_t = [h→_t ; h←_t] takes BOTH rows' states: one arrow from the forward cell (bending past
    the backward cell) and one from the backward cell.
    """
    T = len(words)
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * T + 1, 3.8 if bidirectional else 3))
    # (superscript of the state's name, row height, direction)
    rows = [(r"^{\rightarrow}" if bidirectional else "", 1.0, 1)]
    if bidirectional:
        rows.append((r"^{\leftarrow}", 2.0, -1))
    top = rows[-1][1] + 1.0
    box = dict(boxstyle="round")
    for t, word in enumerate(words):
        x = 2.2 * t
        ax.text(
            x, 0, f"$x_{t + 1}$\n{word}", ha="center", va="center", bbox=box | {"fc": "#e8f0fe"}
        )
        for sup, y, _ in rows:
            ax.text(
                x, y, f"$h{sup}_{t + 1}$", ha="center", va="center", bbox=box | {"fc": "#fde8d8"}
            )
            dx = 0.12 * (y - 1)  # the backward row's input arrow passes beside the forward cell
            ax.annotate("", (x + dx, y - 0.22), (x + dx, 0.3), arrowprops=dict(arrowstyle="->"))
        ax.text(x, top, f"$y_{t + 1}$", ha="center", va="center", bbox=box | {"fc": "#e2f4e2"})
        ax.annotate("", (x, top - 0.2), (x, rows[-1][1] + 0.2), arrowprops=dict(arrowstyle="->"))
        if bidirectional:  # the forward state reaches y_t too, bending left of the backward cell
            ax.annotate(
                "",
                (x - 0.1, top - 0.2),
                (x - 0.1, rows[0][1] + 0.2),
                arrowprops=dict(arrowstyle="->", connectionstyle="arc3,rad=-0.45"),
            )
    ax.text(-0.15, 0.6, "$W_{xh}$", ha="right", fontsize=9, color="gray")
    if bidirectional:
        ax.text(
            -0.4,
            top,
            r"$y_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]$",
            ha="right",
            va="center",
            fontsize=10,
            color="#2e7d32",
        )
    for sup, y, direction in rows:
        for t in range(T - 1):
            a, b = 2.2 * t + 0.35, 2.2 * (t + 1) - 0.35
            start, end = (a, b) if direction > 0 else (b, a)
            ax.annotate("", (end, y), (start, y), arrowprops=dict(arrowstyle="->", color="tab:red"))
            ax.text(
                (a + b) / 2, y + 0.12, f"$W_{{hh}}{sup}$", ha="center", fontsize=9, color="tab:red"
            )
    ax.set_xlim(-2.4 if bidirectional else -1, 2.2 * (T - 1) + 1)
    ax.set_ylim(-0.6, top + 0.5)
    ax.axis("off")
    ax.set_title(title)
    return ax


_TOPOLOGY_COLOURS = {"in": "#f4a3a3", "hidden": "#a8d8a8", "out": "#a3c4f4", "context": "#f7d98b"}


def draw_topologies():
    """Draw the five topologies of ``topologies`` side by side and return the figure.

    Inputs are red, states green, outputs blue; time runs left to right. A dotted arrow feeds an output token back in as the next step's
    input; in the encoder-decoder the yellow context box c feeds EVERY decoder step.
    """
    # (title, one (has input, has output) pair per step, first step that feeds back its output,
    # first decoder step of an encoder-decoder)
    panels = [
        ("일 대 일\none-to-one (MLP)", [(1, 1)], None, None),
        ("일 대 다\n이미지 -> 텍스트\none-to-many", [(1, 1), (0, 1), (0, 1)], 0, None),
        ("다 대 일\n텍스트 -> 이미지\nmany-to-one", [(1, 0), (1, 0), (1, 1)], None, None),
        ("다 대 다\n태깅 (tagging)\nmany-to-many, aligned", [(1, 1), (1, 1), (1, 1)], None, None),
        (
            "인코더–디코더\n텍스트 -> 텍스트\nencoder–decoder (seq2seq)",
            [(1, 0), (1, 0), (0, 1), (0, 1), (0, 1)],
            2,
            2,
        ),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(15, 3.6), width_ratios=[1.4, 3, 3, 3, 5])
    for ax, (title, columns, feedback_from, decoder_from) in zip(axes, panels, strict=True):
        _draw_topology(ax, columns, feedback_from, decoder_from)
        ax.set_title(title, fontsize=10, linespacing=1.5)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.78, bottom=0.02, wspace=0.15)
    return fig


def _draw_topology(ax, columns, feedback_from, decoder_from) -> None:
    """One topology: a column of (input?, state, output?) boxes per time step."""
    box, rows = 0.6, {"in": 0.0, "hidden": 1.2, "out": 2.4}

    def rect(x, y, kind, label):
        ax.add_patch(
            plt.Rectangle(
                (x - box / 2, y - box / 2), box, box, fc=_TOPOLOGY_COLOURS[kind], ec="k", lw=0.8
            )
        )
        ax.text(x, y, label, ha="center", va="center", fontsize=8)

    def arrow(x0, y0, x1, y1, **style):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "->", "lw": 1.0, **style})

    for t, (has_in, has_out) in enumerate(columns):
        rect(t, rows["hidden"], "hidden", "h")
        if has_in:
            rect(t, rows["in"], "in", "x")
            arrow(t, rows["in"] + box / 2, t, rows["hidden"] - box / 2)
        if has_out:
            rect(t, rows["out"], "out", "y")
            arrow(t, rows["hidden"] + box / 2, t, rows["out"] - box / 2)
        if t > 0:
            arrow(t - 1 + box / 2, rows["hidden"], t - box / 2, rows["hidden"])
        if feedback_from is not None and t > feedback_from:  # previous token in
            arrow(
                t - 1 + box / 2,
                rows["out"] - box / 4,
                t - box / 4,
                rows["hidden"] + box / 2,
                ls=":",
            )
    if decoder_from is not None:  # the context: under the decoder, fed to every decoder step
        x = (decoder_from + len(columns) - 1) / 2
        rect(x, rows["in"], "context", "c")
        arrow(
            decoder_from - 1 + box / 2, rows["hidden"] - box / 2, x - box / 2, rows["in"] + box / 4
        )
        for t in range(decoder_from, len(columns)):
            arrow(x, rows["in"] + box / 2, t, rows["hidden"] - box / 2, color="#b8860b")
        ax.axvline(decoder_from - 0.5, color="gray", ls="--", lw=0.8)
        ax.text((decoder_from - 1) / 2, -0.7, "encoder", ha="center", fontsize=9, color="gray")
        ax.text(x, -0.7, "decoder", ha="center", fontsize=9, color="gray")
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(-0.9, 2.9)
    ax.set_aspect("equal")
    ax.axis("off")
