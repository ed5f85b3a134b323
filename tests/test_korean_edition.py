"""The Korean edition (notebooks/ko/): every notebook translated, nothing drifted, the code shared.

- drift: each translated cell records the hash of the English text it translates, and fails here
  once that English cell changes;
- the numbers of each Korean cell are its English cell's, and Hangul is at least 60 % of the
  letters outside code and math;
- the Korean notebook is the English one, cell for cell, with only the markdown text replaced:
  code, outputs, metadata and slides identical, so the tests run each notebook once;
- no Korean slide holds more text than its English slide (Hangul counting two columns): the
  browser steps through every English deck but only one Korean deck (tools/slides.py);
- the Korean folder speaks Korean (``.course-language``) and is never paired by jupytext.
"""

from __future__ import annotations

import nbformat
import pytest
from korean_edition import (
    KOREAN,
    MIN_HANGUL,
    english_hash,
    english_notebooks,
    hangul_share,
    korean_notebook,
    korean_path,
    numbers,
    problems,
    read_translation,
    translation_path,
)
from slides import korean_deck_to_measure, korean_growth, text_widths

from course_lib import language

ENGLISH = english_notebooks()
IDS = [p.stem for p in ENGLISH]


def test_every_notebook_has_a_korean_edition():
    assert len(ENGLISH) == 10
    missing = [p.name for p in ENGLISH if not korean_path(p).exists()]
    assert not missing, (
        f"no Korean edition of {missing}: run `python tools/korean_edition.py build`"
    )


@pytest.mark.parametrize("english", ENGLISH, ids=IDS)
def test_the_translation_is_current_complete_and_true_to_the_numbers(english):
    found = problems(english)
    assert not found, f"{len(found)} problems, the first: {found[0]}"


@pytest.mark.parametrize("english", ENGLISH, ids=IDS)
def test_the_korean_notebook_is_the_english_one_with_the_prose_translated(english):
    en = nbformat.read(english, as_version=4)
    ko = nbformat.read(korean_path(english), as_version=4)
    assert len(ko.cells) == len(en.cells)
    blocks = iter(read_translation(translation_path(english)))
    for i, (a, b) in enumerate(zip(en.cells, ko.cells, strict=True)):
        assert a.cell_type == b.cell_type, f"cell {i + 1}: {a.cell_type} became {b.cell_type}"
        assert a.metadata == b.metadata, f"cell {i + 1}: metadata differ (slides, grading)"
        if a.cell_type == "code":
            assert (a.source, a.outputs, a.execution_count) == (
                b.source,
                b.outputs,
                b.execution_count,
            ), f"cell {i + 1}: the Korean code cell or its outputs differ from the English"
        else:
            assert b.source == next(blocks).text, f"cell {i + 1}: not the translation's text"
    assert {k: v for k, v in ko.metadata.items() if k != "course"} == {
        k: v for k, v in en.metadata.items() if k != "jupytext"
    }
    assert ko.metadata["course"]["edition"] == "ko"
    assert korean_notebook(english) == ko, "stale: run `python tools/korean_edition.py build`"


@pytest.mark.parametrize("english", ENGLISH, ids=IDS)
def test_no_korean_slide_holds_more_text_than_its_english_one(english):
    en = text_widths(nbformat.read(english, as_version=4))
    ko = text_widths(nbformat.read(korean_path(english), as_version=4))
    assert len(ko) == len(en)
    wider = [(i + 1, k, e) for i, (e, k) in enumerate(zip(en, ko, strict=True)) if k > e]
    assert not wider, (
        f"Korean slide {wider[0][0]} holds {wider[0][1]} columns of text against the English "
        f"{wider[0][2]}: shorten it, or measure it with `python tools/slides.py --edition ko "
        f"{english.stem[:2]}`"
    )


def test_the_measured_korean_deck_is_the_one_whose_text_grew_most():
    deck = korean_deck_to_measure()
    grown = {p: korean_growth(p) for p in ENGLISH}
    assert deck == korean_path(max(grown, key=grown.get))
    assert text_widths(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("가a")])) == [
        3
    ]


def test_the_korean_folder_speaks_korean_and_is_never_paired(monkeypatch):
    monkeypatch.delenv(language.ENVIRONMENT, raising=False)
    monkeypatch.chdir(KOREAN)
    assert language.current() == "ko"
    assert (KOREAN / "jupytext.toml").read_text().splitlines()[-1] == 'formats = "ipynb"'
    assert not list(KOREAN.glob("*.py"))


def test_a_changed_english_cell_is_caught(tmp_path, monkeypatch):
    """The drift test bites: change one English cell and its translation is reported stale."""
    import korean_edition

    english = ENGLISH[0]
    nb = nbformat.read(english, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown")
    cell.source += " One more English sentence."
    changed = tmp_path / english.name
    nbformat.write(nb, changed)
    monkeypatch.setattr(korean_edition, "translation_path", lambda p: translation_path(english))
    found = problems(changed)
    assert any("changed since it was translated" in p for p in found)
    assert english_hash(cell.source) in found[0]


def test_the_measures_of_a_cell():
    assert hangul_share("기울기 소실(vanishing gradient)") == pytest.approx(
        5 / 22
    )  # 5 Hangul, 17 Latin letters
    assert hangul_share("`torch.nn.LSTM` 셀과 $W_{hh}$ 행렬") == 1.0  # code and math do not count
    assert hangul_share("") == 1.0 and MIN_HANGUL == 0.6
    assert numbers("3 seeds, $10^{-3}$ and 0.01") == numbers("시드 3개, $10^{-3}$, 0.01")
    assert numbers("two layers") != numbers("2개 층")
