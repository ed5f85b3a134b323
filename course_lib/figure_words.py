"""The words on the course's figures in Korean: what ``plots`` draws when the language is Korean.

``plots`` draws every figure's titles, axis labels, legend entries and notes through
``translate(text, language)``. In English a text is drawn as the notebook wrote it; in Korean it is
looked up in ``KOREAN``, whose keys are the English texts, with ``{name}`` standing for any part
that varies (a number, a model's name): ``"length {n}"`` matches "length 40" and gives "길이 40".
The parts that vary are themselves translated when they are entries ("tanh RNN, seed 0").

``untranslated(text)`` says whether a text has English words that ``KOREAN`` does not cover (names
such as RNN, LSTM, MSE or tanh stay as they are). The nbval kernel sets ``COURSE_FIGURE_WORDS=check``,
so every figure of the English run is also checked in Korean: a missing entry, or a Korean figure
whose texts overlap, warns and fails nbval.
"""

from __future__ import annotations

import re
from functools import cache

# Names a Korean figure keeps in English (the Korean prose keeps them too).
KEPT = {
    "RNN", "RNNs", "LSTM", "GRU", "DNN", "IRNN", "MLP", "MSE", "ReLU", "tanh", "softmax", "sin",
    "cos", "SGD", "Adam", "CPU", "seq2seq", "log", "max", "nats", "init",
}  # fmt: skip

KOREAN: dict[str, str] = {
    # shared by several notebooks
    "step": "학습 단계",
    "training step": "학습 단계",
    "accuracy": "정확도",
    "held-out accuracy": "평가 데이터 정확도",
    "test MSE": "평가 MSE",
    "test MSE, mean of 3 seeds": "평가 MSE, 시드 3개 평균",
    "test MSE (log scale)": "평가 MSE (로그 눈금)",
    "time step t": "시간 단계 t",
    "time step $t$": "시간 단계 $t$",
    "time step $t$ (red lines: the marked steps)": "시간 단계 $t$ (빨간 선: 표시된 단계)",
    "time step t (L is computed at t = 100)": "시간 단계 t (L은 t = 100에서 계산)",
    "value": "값",
    "marked value": "표시된 값",
    "marked step": "표시된 단계",
    "marker = 1": "표시 = 1",
    "unit {k}": "유닛 {k}",
    "{model}, seed {seed}": "{model}, 시드 {seed}",
    "chance ({p})": "우연 수준 ({p})",
    "predict the mean, 1": "평균 예측, 1",
    "덧셈 문제 (adding problem), length {n}": "덧셈 문제, 길이 {n}",
    "입력 (input), test sequence {s}: target = {y}": "입력, 평가 시퀀스 {s}: 목표 = {y}",
    "key (attended to)": "키 (주목받는 쪽)",
    "query": "쿼리",
    "position $t$": "위치 $t$",
    # the lecture's diagrams (plots.unrolled_rnn, plots.draw_topologies)
    "RNN unrolled in time": "시간으로 펼친 RNN",
    "일 대 일\none-to-one (MLP)": "일 대 일\n(MLP)",
    "일 대 다\n이미지 -> 텍스트\none-to-many": "일 대 다\n이미지 -> 텍스트",
    "다 대 일\n텍스트 -> 이미지\nmany-to-one": "다 대 일\n텍스트 -> 이미지",
    "다 대 다\n태깅 (tagging)\nmany-to-many, aligned": "다 대 다\n태깅\n(입력과 출력이 나란히)",
    "인코더–디코더\n텍스트 -> 텍스트\nencoder–decoder (seq2seq)": "인코더–디코더\n텍스트 -> 텍스트\n(seq2seq)",
    "encoder": "인코더",
    "decoder": "디코더",
}


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z", re.DOTALL)


@cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    return [(_pattern(en), ko) for en, ko in KOREAN.items() if "{" in en]


def translate(text: str, language: str = "ko") -> str:
    """``text`` as a figure of ``language`` shows it: the entry of ``KOREAN``, else unchanged."""
    if language == "en" or not text.strip():
        return text
    if text in KOREAN:
        return KOREAN[text]
    for pattern, korean in _patterns():
        found = pattern.match(text)
        if found:
            return korean.format(**{k: translate(v) for k, v in found.groupdict().items()})
    return text


def untranslated(text: str) -> bool:
    """Whether the Korean ``translate(text)`` still holds English words other than ``KEPT`` names."""
    korean = re.sub(r"\$[^$]*\$", " ", translate(text))  # mathtext is not words
    return any(w not in KEPT for w in re.findall(r"[A-Za-z]{2,}", korean))
