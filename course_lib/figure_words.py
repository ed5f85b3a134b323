"""The words on the course's figures in Korean: what ``plots`` draws when the language is Korean.

``plots`` draws every figure's titles, axis labels, legend entries and notes through
``translate(text, language)``. In English a text is drawn as the notebook wrote it; in Korean it is
looked up in ``KOREAN``, whose keys are the English texts, with ``<name>`` standing for any part
that varies (a number, a model's name): ``"length <n>"`` matches "length 40" and gives "길이 40"
(``<>``, not ``{}``: mathtext's braces, as in ``$W_{hh}$``, stay literal).
The parts that vary are themselves translated when they are entries ("tanh RNN, seed 0").

``untranslated(text)`` says whether a text has English words that ``KOREAN`` does not cover (names
such as RNN, LSTM, MSE or tanh stay as they are). The tests' kernel sets ``COURSE_FIGURE_WORDS=check``,
so every figure of the English run is also checked in Korean: a missing entry, or a Korean figure
whose texts overlap, warns and fails the notebook's run.
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
    "step": "학습 스텝",
    "training step": "학습 스텝",
    "accuracy": "정확도",
    "held-out accuracy": "떼어 둔 데이터 정확도",
    "test MSE": "테스트 MSE",
    "test MSE, mean of 3 seeds": "테스트 MSE, 시드 3개 평균",
    "test MSE (log scale)": "테스트 MSE (로그 눈금)",
    "time step t": "시점 t",
    "time step $t$": "시점 $t$",
    "time step $t$ (red lines: the marked steps)": "시점 $t$ (빨간 선: 표시된 시점)",
    "time step t (L is computed at t = 100)": "시점 t (L은 t = 100에서 계산)",
    "value": "값",
    "marked value": "표시된 값",
    "marked step": "표시된 시점",
    "marker = 1": "표시 = 1",
    "unit <k>": "유닛 <k>",
    "<model>, seed <seed>": "<model>, 시드 <seed>",
    "chance (<p>)": "우연 수준 (<p>)",
    "predict the mean, 1": "평균 예측, 1",
    "덧셈 문제 (adding problem), length <n>": "덧셈 문제, 길이 <n>",
    "입력 (input), test sequence <s>: target = <y>": "입력, 테스트 시퀀스 <s>: 목표 = <y>",
    "key (attended to)": "키 (주목받는 쪽)",
    "query": "쿼리",
    "position $t$": "위치 $t$",
    "<a>\n정확도 (accuracy), mean of 3 seeds": "<a>\n정확도, 시드 3개 평균",
    # 01 and 02: the DNNs and the RNN on word order
    "bag of words DNN": "단어 주머니 DNN",
    "fixed position DNN": "위치 고정 DNN",
    "bag-of-words\nDNN": "단어 주머니\nDNN",
    "fixed-position\nDNN": "위치 고정\nDNN",
    "same positions": "같은 위치",
    "shifted by one word": "한 단어 밀림",
    "How far training moved each (slot, word) weight, $\\|\\Delta W\\|$, seed <s>": (
        "학습이 (칸, 단어) 가중치를 옮긴 거리 $\\|\\Delta W\\|$, 시드 <s>"
    ),
    "slot": "칸",
    "word": "단어",
    "slot <t>": "칸 <t>",
    "RNN(순환 신경망) unrolled over 나는 밥을 먹었다": "나는 밥을 먹었다 위로 펼친 RNN(순환 신경망)",
    "Next-word RNN: cross-entropy while training": "다음 단어 RNN: 학습 중 교차 엔트로피",
    "cross-entropy (nats)": "교차 엔트로피 (nats)",
    "training loss": "학습 손실",
    "hidden state $h_t$ (units 1-4)": "은닉 상태 $h_t$ (유닛 1-4)",
    "word read": "읽은 단어",
    "activation": "활성값",
    # 03: directions
    "forward only": "순방향만",
    "backward only": "역방향만",
    "bidirectional": "양방향",
    "forward only: best possible (1/2)": "순방향만: 가능한 최선 (1/2)",
    "backward only: best possible (this test set)": "역방향만: 가능한 최선 (이 테스트 데이터)",
    "그것은 어느 것이었나?: test accuracy at 그것을 (mean of 3 seeds)": (
        "그것은 어느 것이었나?: 그것을 자리의 테스트 정확도 (시드 3개 평균)"
    ),
    "양방향 RNN: a forward and a backward pass; $y_t$ reads both states": (
        "양방향 RNN: 순방향과 역방향 패스, $y_t$는 두 상태를 모두 읽는다"
    ),
    # 04: shapes drawn and read
    "그린 그림 (drawn)\n<caption>": "그린 그림\n<caption>",
    # 05: vanishing and exploding gradients
    "IRNN (ReLU + identity)": "IRNN (ReLU + 항등 초기화)",
    "LSTM, forget bias 1": "LSTM, 망각 게이트 편향 1",
    r"기울기 소실: $\|\partial L/\partial h_t\|$ at initialisation (loss at $t = 100$)": (
        r"기울기 소실: 초기화 직후의 $\|\partial L/\partial h_t\|$ (손실은 $t = 100$에서)"
    ),
    r"$\sigma_{\max}$ of the Jacobian product $J_t \cdots J_1$": (
        r"야코비 행렬 곱 $J_t \cdots J_1$의 $\sigma_{\max}$"
    ),
    "Spectrum of $W_{hh}$ (특이값, singular values)": "$W_{hh}$의 스펙트럼 (특이값)",
    "index (largest first)": "순번 (큰 것부터)",
    "singular value": "특이값",
    "singular values of <m>": "<m>의 특이값",
    "steps $t$": "시점 수 $t$",
    "Gradient norm before clipping": "클리핑 전 기울기 노름",
    r"Training loss, tanh RNN with $3 \times W_{hh}$ (SGD)": r"학습 손실, $3 \times W_{hh}$인 tanh RNN (SGD)",
    "clip limit $c = 1$": "클리핑 한계 $c = 1$",
    "clipped at <c>": "<c>에서 클리핑",
    "no clipping": "클리핑 없음",
    "predict the mean ($1/6$)": "평균 예측 ($1/6$)",
    "always 1.0 ($1/6$)": "항상 1.0 ($1/6$)",
    "near marker only (<v>)": "가까운 표시만 (<v>)",
    "solved (0.01)": "해결 (0.01)",
    # 06: the LSTM's gradients and gates
    r"$\log_{10}$ of the norm": r"노름의 $\log_{10}$",
    r"$\|\partial L/\partial c_t\|$ (셀 상태) at initialisation": r"초기화 직후의 $\|\partial L/\partial c_t\|$ (셀 상태)",
    r"$\|\partial L/\partial h_t\|$ at initialisation": r"초기화 직후의 $\|\partial L/\partial h_t\|$",
    r"$\|\partial L/\partial c_t\|$ (셀 상태) before and after training": (
        r"학습 전후의 $\|\partial L/\partial c_t\|$ (셀 상태)"
    ),
    r"$\|\partial L/\partial h_t\|$ before and after training": r"학습 전후의 $\|\partial L/\partial h_t\|$",
    "LSTM, default init": "LSTM, 기본 초기화",
    "LSTM, forget bias 1, at init": "LSTM, 망각 게이트 편향 1, 초기화 직후",
    "trained LSTM (seed <s>)": "학습한 LSTM (시드 <s>)",
    "1. 입력 게이트 i (input gate)": "1. 입력 게이트 i",
    "2. 삭제 게이트 f (망각 게이트, forget gate)": "2. 삭제 게이트 f (망각 게이트)",
    "3. 장기 기억 c (셀 상태, cell state)": "3. 장기 기억 c (셀 상태)",
    "4. 출력 게이트 o (output gate)": "4. 출력 게이트 o",
    # 07: the GRU's gates
    "업데이트 게이트 $z_t$ (update gate): 1 keeps the previous state": (
        "업데이트 게이트 $z_t$: 1이면 이전 상태를 유지"
    ),
    "candidate $n_t$ (현재)": "후보 $n_t$ (현재)",
    "previous state $h_{t-1}$ (이전)": "이전 상태 $h_{t-1}$ (이전)",
    "리셋 게이트 $r_t$ (reset gate): how much of $W_{hn} h_{t-1}$ enters $n_t$": (
        "리셋 게이트 $r_t$: $W_{hn} h_{t-1}$ 중 $n_t$에 들어가는 양"
    ),
    "이전과 현재 가중치곱: unit <k>'s new state mixes the previous state and the candidate": (
        "이전과 현재 가중치곱: 유닛 <k>의 새 상태는 이전 상태와 후보를 섞는다"
    ),
    # 08: positions and attention
    "column ($2i$: sin, $2i+1$: cos)": "열 ($2i$: sin, $2i+1$: cos)",
    "column <c>": "열 <c>",
    "four columns: fast to slow clocks": "네 열: 빠른 시계에서 느린 시계까지",
    "위치 인코딩 (sinusoidal positional encoding)": "위치 인코딩 (사인파)",
    "$d_k$ (log scale)": "$d_k$ (로그 눈금)",
    "largest weight": "가장 큰 가중치",
    r"raw $q \cdot k$": r"나누지 않은 $q \cdot k$",
    "softmax over 16 keys: mean largest weight against $d_k$": (
        "키 16개에 대한 softmax: $d_k$에 따른 가장 큰 가중치의 평균"
    ),
    "uniform (1/16)": "균등 (1/16)",
    "<title>: where 그것을 looks": "<title>: 그것을이 보는 곳",
    "a seed that spreads": "가중치를 고루 나누는 시드",
    "a seed that went hard": "한 단어로 쏠린 시드",
    "the same seed, time words moved (probe)": "같은 시드, 시간 단어를 옮김 (프로브)",
    # 09: heads, and attention against recurrence
    "head <h>: 어텐션 가중치": "헤드 <h>: 어텐션 가중치",
    "adding problem, $n$ = <n>: test MSE (mean and range of 3 seeds)": (
        "덧셈 문제, $n$ = <n>: 테스트 MSE (시드 3개의 평균과 범위)"
    ),
    "always 1.0": "항상 1.0",
    "attention (learned query)": "어텐션 (학습한 쿼리)",
    "attention (<h> heads)": "어텐션 (헤드 <h>개)",
    "CPU milliseconds (log scale)": "CPU 밀리초 (로그 눈금)",
    "forward + backward CPU time (one thread) vs length $n$": (
        "순전파 + 역전파 CPU 시간 (스레드 하나), 길이 $n$에 따라"
    ),
    "length $n$ (log scale)": "길이 $n$ (로그 눈금)",
    r"slope <p>: time $\propto n^<q>$": r"지수 <p>: 시간 $\propto n^<q>$",
    # 10: every model in one table
    "RNN (tanh)": "RNN (tanh)",
    "bag-of-words DNN": "단어 주머니 DNN",
    "fixed-position DNN": "위치 고정 DNN",
    "bidirectional RNN": "양방향 RNN",
    "self-attention (1 head)": "셀프 어텐션 (헤드 1개)",
    "multi-head attention (<h>)": "멀티 헤드 어텐션 (<h>)",
    "Transformer block": "트랜스포머 블록",
    "CPU seconds (<n> steps)": "CPU 초 (<n>스텝)",
    "longer (7-8 words)": "더 긴 문장 (7-8 단어)",
    "trained lengths": "학습한 길이",
    "parameters": "파라미터 수",
    "정확도 (held-out test accuracy, mean and range over 3 seeds)": (
        "정확도 (떼어 둔 테스트 데이터, 시드 3개의 평균과 범위)"
    ),
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


FIELD = re.compile(r"<(\w+)>")


def _pattern(template: str) -> re.Pattern:
    parts = FIELD.split(template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*?)" for i, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z", re.DOTALL)


@cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    """The entries with ``<name>`` fields, most specific (longest fixed text) first."""
    entries = sorted(
        (en for en in KOREAN if FIELD.search(en)), key=lambda en: -len(FIELD.sub("", en))
    )
    return [(_pattern(en), KOREAN[en]) for en in entries]


def _fill(template: str, values: dict[str, str]) -> str:
    return FIELD.sub(lambda field: values[field[1]], template)


def translate(text: str, language: str = "ko") -> str:
    """``text`` as a figure of ``language`` shows it: the entry of ``KOREAN``, else unchanged."""
    if language == "en" or not text.strip():
        return text
    if text in KOREAN:
        return KOREAN[text]
    for pattern, korean in _patterns():
        found = pattern.match(text)
        if found:
            return _fill(korean, {k: translate(v) for k, v in found.groupdict().items()})
    return text


def untranslated(text: str) -> bool:
    """Whether the Korean ``translate(text)`` still holds English words other than ``KEPT`` names."""
    korean = re.sub(r"\$[^$]*\$|\d[\d.]*e[+-]?\d+", " ", translate(text))  # math, 1e-3: not words
    return any(w not in KEPT for w in re.findall(r"[A-Za-z][A-Za-z0-9]+", korean))
