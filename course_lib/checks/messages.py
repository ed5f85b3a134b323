"""Every sentence a check or the grader shows a learner, in English and in Korean, side by side.

``MESSAGES[id]`` holds one template per language, both with the same ``{placeholders}``
(``tests/test_check_language.py`` checks); ``say(id, language, **values)`` fills one in. Code
keeps its form in both languages: names, numbers, seeds and the replay call
``check_<name>(your_function, seed=...)``. ``Hint`` is a known mistake's hint in both languages,
as the answer key writes it and the stored cases keep it.
"""

from __future__ import annotations

from typing import NamedTuple

from .. import language as course_language

MESSAGES: dict[str, dict[str, str]] = {
    # --- a check's verdict (core.py) ---------------------------------------------------------
    "passed_all": {
        "en": "{name}: passed on {count} cases. Well done!",
        "ko": "{name}: {count}개 사례를 모두 통과했습니다. 잘했습니다!",
    },
    "passed_seed": {
        "en": "{name}: passed on the case of seed {seed}.",
        "ko": "{name}: 시드 {seed}의 사례를 통과했습니다.",
    },
    "unknown_seed": {
        "en": "seed must be one of this check's cases {seeds}, got {seed!r}",
        "ko": "`seed`는 이 확인에 저장된 사례의 시드 {seeds} 중 하나여야 합니다. 받은 값: {seed!r}",
    },
    "not_a_function": {
        "en": "expected a function, got {type_name}: pass the function itself, without calling it.",
        "ko": "함수가 와야 하는데 {type_name} 값이 왔습니다: 함수를 호출하지 말고 함수 자체를 넘기세요.",
    },
    "failed_trial": {
        "en": "{problem} (trial {number} of {count}, inputs: {inputs}; "
        "replay it with check_{name}(your_function, seed={seed}))",
        "ko": "{problem} (사례 {count}개 중 {number}번째, 입력: {inputs}; "
        "`check_{name}(your_function, seed={seed})`로 이 사례를 다시 실행해 보세요)",
    },
    "input_shape": {
        "en": "{name} of shape {shape}",
        "ko": "모양이 {shape}인 `{name}`",
    },
    "source": {
        "en": "your function's code: {problem}",
        "ko": "함수의 코드: {problem}",
    },
    "timed_out": {
        "en": "your function took longer than {seconds:g} s; look for an endless loop, a sleep, "
        "or a Python loop over every element where an array operation would do.",
        "ko": "함수가 {seconds:g}초 넘게 걸렸습니다: 무한 루프나 sleep, 또는 배열 연산으로 충분한 곳에서 "
        "원소마다 도는 파이썬 루프가 없는지 살펴보세요.",
    },
    "not_implemented": {
        "en": "not implemented yet: replace `raise NotImplementedError()` in the answer cell "
        "with your code.",
        "ko": "아직 구현되지 않았습니다: 답안 셀의 `raise NotImplementedError()`를 여러분의 코드로 "
        "바꾸세요.",
    },
    "raised": {
        "en": "your function raised {error}",
        "ko": "함수에서 예외가 발생했습니다: {error}",
    },
    "modified": {
        "en": "your function modified its input `{name}` in place; compute a new array instead "
        "(e.g. x = x + 1 rather than x += 1).",
        "ko": "함수가 입력 `{name}`의 값을 제자리에서 바꿨습니다: 대신 새 배열을 만드세요 "
        "(예: x += 1 대신 x = x + 1).",
    },
    "an_input": {"en": "an input", "ko": "이름 없는 입력"},
    "with_hint": {
        "en": "{problem}. Hint: {hint}",
        "ko": "{problem}. 힌트: {hint}",
    },
    # --- what an output is, and how it differs (core.compare) ---------------------------------
    "output": {"en": "output", "ko": "출력"},
    "kind_tensor": {"en": "a torch tensor", "ko": "torch 텐서"},
    "kind_array": {"en": "a NumPy array", "ko": "NumPy 배열"},
    "kind_tuple": {"en": "a tuple of {count}", "ko": "원소 {count}개짜리 튜플"},
    "kind_list": {"en": "a list of {count}", "ko": "원소 {count}개짜리 리스트"},
    "kind_none": {
        "en": "None (did you forget `return`?)",
        "ko": "None (`return`을 빠뜨리지 않았나요?)",
    },
    "kind_other": {"en": "a {type_name}", "ko": "{type_name} 객체"},
    "wrong_dict": {
        "en": "expected a dict with keys {keys} as {label}, got {kind}",
        "ko": "{label}의 종류가 틀렸습니다 (기대: 키가 {keys}인 dict, 실제: {kind})",
    },
    "wrong_kind": {
        "en": "expected {expected} as {label}, got {kind}",
        "ko": "{label}의 종류가 틀렸습니다 (기대: {expected}, 실제: {kind})",
    },
    "not_a_number": {
        "en": "expected a number as {label}, got {kind}",
        "ko": "{label}의 종류가 틀렸습니다 (기대: 수, 실제: {kind})",
    },
    "wrong_shape": {
        "en": "{label} has the wrong shape: expected {expected}, got {got}",
        "ko": "{label}의 모양이 틀렸습니다 (기대: {expected}, 실제: {got})",
    },
    "wrong_dtype": {
        "en": "{label} has the wrong dtype: expected {expected}, got {got}",
        "ko": "{label}의 dtype이 틀렸습니다 (기대: {expected}, 실제: {got})",
    },
    "wrong_value": {
        "en": "{label} is wrong: expected {expected!r}, got {got!r}",
        "ko": "{label}의 값이 틀렸습니다 (기대: {expected!r}, 실제: {got!r})",
    },
    "not_finite": {
        "en": "{label} contains NaN or inf ({count} entries, first at index {index})",
        "ko": "{label}에 NaN 또는 inf가 있습니다 ({count}개, 첫 위치는 인덱스 {index})",
    },
    "wrong_values": {
        "en": "{label} has wrong values in {wrong} of {total} entries; the largest difference is "
        "{difference:.3g}{at} (expected {expected:.4g}, got {got:.4g})",
        "ko": "{label}의 값 {total}개 중 {wrong}개가 틀렸고, 가장 큰 차이는 {at}{difference:.3g}입니다 "
        "(기대: {expected:.4g}, 실제: {got:.4g})",
    },
    "at_index": {"en": " at index {index}", "ko": "인덱스 {index}에서 "},
    # --- is it the learner's own work (own_work.py) -------------------------------------------
    "not_python": {
        "en": "the answer is not valid Python: {error} (line {line})",
        "ko": "답안이 올바른 파이썬 코드가 아닙니다: {error} ({line}번째 줄)",
    },
    "imports_course": {
        "en": "line {line} imports {module}: the answer must be your own code, not the course's "
        "implementation of it",
        "ko": "{line}번째 줄에서 `{module}`을(를) 임포트합니다: 답안은 강좌의 구현이 아니라 직접 "
        "작성한 코드여야 합니다",
    },
    "imports_other": {
        "en": "line {line} imports {module}: an answer may import only math, numpy and torch",
        "ko": "{line}번째 줄에서 `{module}`을(를) 임포트합니다: 답안은 math, numpy, torch만 임포트할 "
        "수 있습니다",
    },
    "imports_private": {
        "en": "line {line} imports the private name {name}",
        "ko": "{line}번째 줄에서 비공개 이름 `{name}`을(를) 임포트합니다",
    },
    "uses_forbidden": {
        "en": "line {line} uses {name}, which an answer may not use",
        "ko": "{line}번째 줄: 답안에서는 `{name}`을(를) 쓸 수 없습니다",
    },
    "uses_private": {
        "en": "line {line} uses the private attribute .{name}",
        "ko": "{line}번째 줄: 비공개 속성 `.{name}`은(는) 쓸 수 없습니다",
    },
    "uses_forbidden_attribute": {
        "en": "line {line} uses .{name}, which an answer may not use",
        "ko": "{line}번째 줄: 답안에서는 `.{name}`을(를) 쓸 수 없습니다",
    },
    "uses_banned": {
        "en": "line {line} uses {name}, which does this exercise for you; the exercise asks you "
        "to write it yourself",
        "ko": "{line}번째 줄의 `{name}`은(는) 이 연습 문제를 대신 풀어 줍니다: 직접 작성하세요",
    },
    "calls_course": {
        "en": "your function calls {culprit}, the course's own implementation; the exercise "
        "asks you to write it yourself",
        "ko": "함수가 강좌 자체의 구현인 `{culprit}`을(를) 호출합니다: 이 연습 문제는 직접 작성하세요",
    },
    "calls_banned": {
        "en": "your function calls {culprit}, which does this exercise for you; the exercise "
        "asks you to write it yourself",
        "ko": "함수가 호출하는 `{culprit}`은(는) 이 연습 문제를 대신 풀어 줍니다: 직접 작성하세요",
    },
    # --- the hidden grader's verdicts (tools/answer_key/grader.py) ---------------------------
    "graded_pass": {
        "en": "{name}: passed on {count} fresh random inputs (graded apart from the notebook).",
        "ko": "{name}: 새 무작위 입력 {count}개를 모두 통과했습니다 (노트북과 따로 채점).",
    },
    "graded_trial": {
        "en": "{name}: {problem} (the grader's fresh trial {number} of {count}, inputs: {inputs}, "
        "seed {seed})",
        "ko": "{name}: {problem} (채점기의 새 사례 {count}개 중 {number}번째, 입력: {inputs}, "
        "시드 {seed})",
    },
    "graded_refused": {
        "en": "{name}: your answer cell was not run: {problem}",
        "ko": "{name}: 답안 셀을 실행하지 않았습니다: {problem}",
    },
    "graded_not_implemented": {
        "en": "{name}: not implemented yet.",
        "ko": "{name}: 아직 구현되지 않았습니다.",
    },
    "graded_undefined": {
        "en": "{name}: your answer cells do not define a function `{function}`{detail}{refusals}. "
        "The grader runs only the answer cells, with math, np, torch, nn and F imported.",
        "ko": "{name}: 답안 셀에 함수 `{function}`의 정의가 없습니다{detail}{refusals}. 채점기는 "
        "math, np, torch, nn, F만 불러온 채로 답안 셀만 실행합니다.",
    },
    "graded_cell_raised": {
        "en": " (your answer cell raised {error})",
        "ko": " (답안 셀에서 예외 발생: {error})",
    },
    "graded_cells_not_run": {
        "en": "; cells not run: {refusals}",
        "ko": "; 실행하지 않은 셀: {refusals}",
    },
    "graded_no_result": {
        "en": "{name}: the grader got no result for this exercise",
        "ko": "{name}: 채점기가 이 연습 문제의 결과를 받지 못했습니다",
    },
    "graded_no_trial": {
        "en": "{name}: the grader got no result for trial {number}",
        "ko": "{name}: 채점기가 {number}번째 사례의 결과를 받지 못했습니다",
    },
    "graded_unreadable_value": {
        "en": "{name}: your function returned something the grader cannot read ({error})",
        "ko": "{name}: 함수가 채점기가 읽을 수 없는 값을 반환했습니다 ({error})",
    },
    "grader_timed_out": {
        "en": "the grader stopped your answer cells after {seconds:g} s",
        "ko": "채점기가 {seconds:g}초 뒤에 답안 셀을 멈췄습니다",
    },
    "grader_no_report": {
        "en": "your answer cells stopped the grader's interpreter before it could report",
        "ko": "답안 셀 때문에 채점기의 인터프리터가 결과를 보고하기 전에 멈췄습니다",
    },
    "grader_too_large": {
        "en": "your functions' outputs were too large to read",
        "ko": "함수의 출력이 너무 커서 읽을 수 없습니다",
    },
    "grader_unreadable": {
        "en": "the grader could not read what your answer cells produced",
        "ko": "채점기가 답안 셀이 만든 결과를 읽지 못했습니다",
    },
    # --- the answer key's own check (tools/answer_key/spec.py) --------------------------------
    "key_passed": {
        "en": "{name}: passed against the reference.",
        "ko": "{name}: 기준 구현과 비교해 통과했습니다.",
    },
    "key_bad_seed": {
        "en": "seed must be a non-negative whole number, got {seed!r}",
        "ko": "`seed`는 0 이상의 정수여야 합니다. 받은 값: {seed!r}",
    },
}


class Hint(NamedTuple):
    """A known mistake's hint, in English and in Korean."""

    en: str
    ko: str

    def text(self, language: str) -> str:
        """The hint in ``language`` ("en" or "ko")."""
        return self._asdict()[course_language.checked(language)]


resolve = course_language.resolve  # language=None: the course's current language


def say(message: str, language: str, **values: object) -> str:
    """The sentence ``message`` in ``language`` ("en" or "ko"), its placeholders filled."""
    return MESSAGES[message][language].format(**values)
