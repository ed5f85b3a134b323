"""The glossary is the course's bilingual index: each Korean term appears in every notebook it names,
in the English edition (``notebooks/``) and in the Korean one (``notebooks/ko/``)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "assets" / "glossary.md"


def glossary_rows() -> list[tuple[list[str], list[str]]]:
    """(Korean terms, notebook numbers) per table row; a cell "장기 기억 (셀 상태)" gives both terms."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.fullmatch(r"\d\d(, \d\d)*", cells[3]):
            continue
        korean = re.sub(r"\(Trick #\d\)|\"[^\"]*\"", "", cells[0])  # lecture quotes are glosses
        terms = [t.strip() for t in re.split(r"[()]", korean) if re.search("[가-힣]", t)]
        rows.append((terms, cells[3].split(", ")))
    return rows


EDITIONS = {"en": ROOT / "notebooks", "ko": ROOT / "notebooks" / "ko"}


def notebook_text(number: str, edition: str = "en") -> str:
    path = next(EDITIONS[edition].glob(f"{number}_*.ipynb"))
    return "\n".join(
        c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"
    )


ROWS = glossary_rows()


def test_glossary_has_the_lecture_and_the_standard_terms():
    terms = {t for row, _ in ROWS for t in row}
    assert len(ROWS) >= 30
    assert {"삭제 게이트", "망각 게이트", "장기 기억", "셀 상태"} <= terms


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("terms, numbers", ROWS, ids=[f"row{i + 1}" for i in range(len(ROWS))])
def test_each_term_appears_in_the_notebooks_it_names(terms, numbers, edition):
    for number in numbers:
        text = notebook_text(number, edition)
        for term in terms:
            assert term in text, (
                f"glossary term {term!r} does not appear in the {edition} edition of notebook "
                f"{number}'s text"
            )
