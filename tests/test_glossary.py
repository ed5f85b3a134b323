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


# The Korean edition's own terms: one rendering per term in every notebook (section "## 한국어판 용어").
KOREAN_EDITION_SECTION = "## 한국어판 용어"

# Renderings the Korean edition replaced, each with the term that stands in its place.
REJECTED = {
    "단어 가방": "단어 주머니",
    "평가용": "떼어 둔",
    "야코비안": "야코비 행렬",
    "시간 스텝": "시점",
    "단계당": "시점당",
    "삭제 게이트 편향": "망각 게이트 편향",
    "사전 활성화": "활성화 전 값",
    "요령": "기법",
    "초기화 시점": "초기화 직후",
    "행렬 곱 한": "행렬곱 한",
    "순환 층": "순환층",
    "순방향 신경망": "피드포워드 신경망",
    "거울상": "거울 문장",
    "라벨": "레이블",
    "태깅 모델": "태거",
    "시험 세트": "테스트 세트",
    "시험 집합": "테스트 세트",
    "테스트 집합": "테스트 세트",
    "시험 문장": "테스트 문장",
    "시험 MSE": "테스트 MSE",
    "시험 정확도": "테스트 정확도",
    "시험 시퀀스": "테스트 시퀀스",
    "최저–최고": "최소–최대",
    "최저-최고": "최소–최대",
    "최솟값-최댓값": "최소–최대",
    "최소-최대": "최소–최대",
    "## 정리": "## 요약",
    "수치가 말해 주는 것": "숫자가 말해 주는 것",
    "숫자가 말하는 것": "숫자가 말해 주는 것",
    "검사 셀": "확인 셀",
    "(채점 없음)": "(채점하지 않음)",
    "import되": "임포트되",
    "import할": "임포트할",
    "이름 공간": "네임스페이스",
    "워밍업": "예열",
    "레이아웃": "축 순서",
    "입증": "증명",
}


def korean_edition_rows() -> list[tuple[str, str, list[str]]]:
    """(English, Korean, notebook numbers) per row of the 3-column table after the section heading."""
    text = GLOSSARY.read_text(encoding="utf-8")
    assert KOREAN_EDITION_SECTION in text, (
        f"assets/glossary.md has no {KOREAN_EDITION_SECTION!r} section"
    )
    rows = []
    for line in text.split(KOREAN_EDITION_SECTION, 1)[1].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"\d\d(, \d\d)*", cells[2]):
            rows.append((cells[0], cells[1], cells[2].split(", ")))
    return rows


KOREAN_ROWS = korean_edition_rows()
NUMBERS = [f"{n:02d}" for n in range(1, 11)]


def korean_prose(number: str) -> str:
    """The Korean edition's markdown of one notebook, whitespace collapsed (terms may wrap lines)."""
    return " ".join(notebook_text(number, "ko").split())


def test_the_korean_edition_table_is_complete_and_not_a_rival_list():
    assert 30 <= len(KOREAN_ROWS) <= 60
    chosen = {korean for _, korean, _ in KOREAN_ROWS}
    assert len(chosen) == len(KOREAN_ROWS), "a Korean term is listed twice"
    assert not chosen & set(REJECTED), "a listed term is also a rejected rendering"
    assert {
        "시점",
        "스텝",
        "단계",
        "망각 게이트",
        "단어 주머니",
        "떼어 둔",
        "야코비 행렬",
    } <= chosen


@pytest.mark.parametrize(
    "english, korean, numbers", KOREAN_ROWS, ids=[english for english, _, _ in KOREAN_ROWS]
)
def test_each_korean_edition_term_appears_in_the_notebooks_it_names(english, korean, numbers):
    missing = [n for n in numbers if korean not in korean_prose(n)]
    assert not missing, (
        f"{korean!r} ({english}) does not appear in the Korean edition of notebook(s) {missing}"
    )


@pytest.mark.parametrize("number", NUMBERS)
def test_no_rejected_rendering_is_left(number):
    text = korean_prose(number)
    left = {rival: chosen for rival, chosen in REJECTED.items() if rival in text}
    assert not left, (
        f"the Korean edition of notebook {number} still uses {sorted(left)}; the edition writes "
        f"{sorted(set(left.values()))} instead"
    )


@pytest.mark.parametrize("number", ["05", "06", "07"])
def test_the_lecture_term_stands_beside_the_standard_one_at_first_use(number):
    """삭제 게이트 (the lecture) comes first, with 망각 게이트 (standard) beside it; then 망각 게이트."""
    text = korean_prose(number)
    first = text.index("망각 게이트")
    assert "삭제 게이트" in text[max(0, first - 20) : first], (
        f"notebook {number}: the first 망각 게이트 does not stand beside the lecture's 삭제 게이트"
    )
