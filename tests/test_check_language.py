"""The checks and the hidden grader speak the notebook's language: English, or Korean for the
Korean edition. Every sentence has both (``course_lib/checks/messages.py``), every known mistake's
hint has both, and the language follows ``course_lib.language`` unless a call names one."""

from __future__ import annotations

import dataclasses
import json
import re
import string
import time

import nbformat
import numpy as np
import pytest
from answer_key import ANSWERS
from answer_key.cases import CASES
from answer_key.grader import _judge, grade, grade_notebook, notebook_language

import course_lib.checks as checks
from course_lib import language
from course_lib.checks import ExerciseFailure, compare, encoding
from course_lib.checks.messages import MESSAGES, Hint
from course_lib.checks.own_work import forbidden_call, scan

LANGUAGES = ("en", "ko")
EN_PASS = "rnn_step: passed on 5 cases. Well done!\n"
KO_PASS = "rnn_step: 5개 사례를 모두 통과했습니다. 잘했습니다!\n"


@pytest.fixture(autouse=True)
def no_chosen_language(monkeypatch, tmp_path):
    """Each test starts in English: nothing chosen, no $COURSE_LANGUAGE, no marker file here."""
    monkeypatch.delenv(language.ENVIRONMENT, raising=False)
    monkeypatch.chdir(tmp_path)
    language.set_language(None)
    yield
    language.set_language(None)


def hangul_share(text: str) -> float:
    """The share of Hangul among a text's words, code in backticks left out."""
    words = re.findall(r"[A-Za-z]{3,}|[가-힣]+", re.sub(r"`[^`]*`", "", text))
    return sum(bool(re.match("[가-힣]", w)) for w in words) / max(1, len(words))


def rnn_step(x, prev_h, W_xh, W_hh, b):
    return np.tanh(x @ W_xh.T + prev_h @ W_hh.T + b)


def stub(x, prev_h, W_xh, W_hh, b):
    raise NotImplementedError()


def broken(x, prev_h, W_xh, W_hh, b):
    raise KeyError("oops")


def mutating(x, prev_h, W_xh, W_hh, b):
    out = rnn_step(x, prev_h, W_xh, W_hh, b)
    x += 1
    return out


def imports_os(x, prev_h, W_xh, W_hh, b):
    import os  # noqa: F401 - the construct the source scan refuses

    return rnn_step(x, prev_h, W_xh, W_hh, b)


def transposed(x, prev_h, W_xh, W_hh, b):  # a known mistake, with its hint
    return np.tanh(x @ W_xh.T + prev_h @ W_hh + b)


def slow(x, prev_h, W_xh, W_hh, b):
    time.sleep(2)
    return rnn_step(x, prev_h, W_xh, W_hh, b)


# kind of problem: (submission, English words, Korean words); trial-level ones name the seed
KINDS = {
    "not implemented": (
        stub,
        "not implemented yet: replace `raise NotImplementedError()` in the answer cell",
        "아직 구현되지 않았습니다: 답안 셀의 `raise NotImplementedError()`를 여러분의 코드로",
    ),
    "not a function": (42, "expected a function, got int", "함수가 와야 하는데 int 값이 왔습니다"),
    "forbidden import": (
        imports_os,
        "your function's code: line 2 imports os: an answer may import only math, numpy and torch",
        "함수의 코드: 2번째 줄에서 `os`을(를) 임포트합니다: 답안은 math, numpy, torch만",
    ),
    "exception": (
        broken,
        "your function raised KeyError: 'oops'",
        "함수에서 예외가 발생했습니다: KeyError: 'oops'",
    ),
    "modified input": (
        mutating,
        "your function modified its input `x` in place",
        "함수가 입력 `x`의 값을 제자리에서 바꿨습니다",
    ),
    "wrong type": (
        lambda *a: None,
        "expected a NumPy array as output, got None (did you forget `return`?)",
        "출력의 종류가 틀렸습니다 (기대: NumPy 배열, 실제: None (`return`을 빠뜨리지 않았나요?))",
    ),
    "wrong shape": (
        lambda *a: rnn_step(*a)[None],
        "output has the wrong shape: expected (3, 8), got (1, 3, 8)",
        "출력의 모양이 틀렸습니다 (기대: (3, 8), 실제: (1, 3, 8))",
    ),
    "wrong dtype": (
        lambda *a: rnn_step(*a).astype(np.float32),
        "output has the wrong dtype: expected float64, got float32",
        "출력의 dtype이 틀렸습니다 (기대: float64, 실제: float32)",
    ),
    "NaN": (
        lambda *a: rnn_step(*a) * np.nan,
        "output contains NaN or inf (24 entries, first at index (0, 0))",
        "출력에 NaN 또는 inf가 있습니다 (24개, 첫 위치는 인덱스 (0, 0))",
    ),
    "wrong values": (
        lambda *a: rnn_step(*a) + 0.5,
        "output has wrong values in 24 of 24 entries; the largest difference is 0.5 at index",
        "출력의 값 24개 중 24개가 틀렸고, 가장 큰 차이는 인덱스",
    ),
    "hint": (
        transposed,
        "Hint: did you multiply by W_hh instead of its transpose?",
        "힌트: W_hh의 전치 대신 W_hh를 곱하지 않았나요?",
    ),
}
WHOLE_SUBMISSION = {"not implemented", "not a function", "forbidden import"}  # no seed to replay


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_problem_is_told_in_the_chosen_language(kind, lang):
    fn, english, korean = KINDS[kind]
    with pytest.raises(ExerciseFailure) as info:
        checks.check_rnn_step(fn, language=lang)
    message = str(info.value)
    assert message.startswith("rnn_step: ")
    assert (english if lang == "en" else korean) in message, message
    if lang == "ko":
        assert english not in message and hangul_share(message) >= 0.5, message
    if kind not in WHOLE_SUBMISSION:
        where = "trial 1 of 5" if lang == "en" else "사례 5개 중 1번째"
        assert where in message and "check_rnn_step(your_function, seed=1)" in message, message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_slow_function_is_stopped_in_the_chosen_language(lang):
    hurried = dataclasses.replace(ANSWERS["rnn_step"], time_limit=0.2)
    with pytest.raises(ExerciseFailure) as info:
        hurried.check(slow, seed=1, language=lang)
    said = "took longer than 0.2 s" if lang == "en" else "함수가 0.2초 넘게 걸렸습니다"
    assert said in str(info.value)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_call_into_the_course_or_a_forbidden_function_is_told_in_the_chosen_language(lang):
    from course_lib.padding import reverse_padded

    with pytest.raises(ExerciseFailure) as info:
        checks.check_reverse_padded(reverse_padded, language=lang)
    course = (
        "calls course_lib.padding.reverse_padded, the course's own implementation"
        if lang == "en"
        else "함수가 강좌 자체의 구현인 `course_lib.padding.reverse_padded`을(를) 호출합니다"
    )
    assert course in str(info.value)
    torch_call = forbidden_call("torch.nn.RNN.forward", lang)
    assert "torch.nn.RNN.forward" in torch_call
    assert ("which does this exercise for you" in torch_call) == (lang == "en")
    assert ("대신 풀어 줍니다" in torch_call) == (lang == "ko")


def test_the_scan_refuses_in_both_languages_with_the_same_code_names():
    banned = ["torch.nn.functional.scaled_dot_product_attention"]
    for source, name in [
        ("import os", "os"),
        ("from course_lib.rnn import x", "course_lib.rnn"),
        ("from torch import _C", "_C"),
        ("f = getattr", "getattr"),
        ("a.__dict__", "__dict__"),
        ("torch.sys", "sys"),
        ("F.scaled_dot_product_attention(q)", "scaled_dot_product_attention"),
        ("def f(:", "line 1"),
    ]:
        english, korean = (scan(source, banned, language=lang) for lang in LANGUAGES)
        assert name in english and re.search("[가-힣]", korean), (english, korean)
        assert name.removeprefix("line ") in korean, korean


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pass_lines_and_a_seeds_replay_speak_the_chosen_language(lang, capsys):
    checks.check_rnn_step(rnn_step, language=lang)
    assert capsys.readouterr().out == (EN_PASS if lang == "en" else KO_PASS)
    with pytest.raises(ExerciseFailure) as info:
        checks.check_rnn_step(lambda *a: rnn_step(*a) * 2, language=lang)
    seed = int(re.search(r"check_rnn_step\(your_function, seed=(\d+)\)", str(info.value))[1])
    with pytest.raises(ExerciseFailure) as again:
        checks.check_rnn_step(lambda *a: rnn_step(*a) * 2, seed=seed, language=lang)
    assert f"seed={seed})" in str(again.value)
    assert ("trial 1 of 1" if lang == "en" else "사례 1개 중 1번째") in str(again.value)
    checks.check_rnn_step(rnn_step, seed=seed, language=lang)
    assert capsys.readouterr().out == (
        f"rnn_step: passed on the case of seed {seed}.\n"
        if lang == "en"
        else f"rnn_step: 시드 {seed}의 사례를 통과했습니다.\n"
    )


def test_the_language_follows_the_course_setting(monkeypatch, tmp_path, capsys):
    def said(**kw) -> str:
        checks.check_rnn_step(rnn_step, **kw)
        return capsys.readouterr().out

    assert said() == EN_PASS
    language.set_language("ko")
    assert said() == KO_PASS and said(language="en") == EN_PASS
    with pytest.raises(ExerciseFailure, match="힌트: "):
        checks.check_rnn_step(transposed)
    language.set_language(None)
    monkeypatch.setenv(language.ENVIRONMENT, "ko")
    assert said() == KO_PASS
    monkeypatch.delenv(language.ENVIRONMENT)
    folder = tmp_path / "ko"
    folder.mkdir()
    (folder / language.MARKER).write_text("ko\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    assert said() == KO_PASS and said(language="en") == EN_PASS
    assert "출력의 모양이 틀렸습니다" in compare(np.ones(2), np.ones(3))


def test_a_bad_language_is_refused_naming_the_choices(monkeypatch):
    choices = re.escape("('en', 'ko')")
    for call in (
        lambda: checks.check_rnn_step(rnn_step, language="fr"),
        lambda: checks.check_rnn_step.find_problem(rnn_step, language="english"),
        lambda: compare(1.0, 1.0, language="kr"),
        lambda: ANSWERS["rnn_step"].check(rnn_step, language="EN"),
        lambda: grade([], [], language="jp"),
    ):
        with pytest.raises(ValueError, match=choices):
            call()
    monkeypatch.setenv(language.ENVIRONMENT, "fr")
    with pytest.raises(ValueError, match=choices):
        checks.check_rnn_step(rnn_step)


def _fields(template: str) -> set[tuple]:
    return {
        (name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name
    }


def test_every_message_has_english_and_korean_with_the_same_placeholders():
    for message, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), message
        assert _fields(texts["en"]) == _fields(texts["ko"]), message
        assert re.search("[가-힣]", texts["ko"]) and not re.search("[가-힣]", texts["en"]), message


def test_every_hint_has_both_languages_and_the_stored_cases_hold_them():
    for name, exercise in ANSWERS.items():
        hints = {hint for _, hint in exercise.mistakes}
        for hint in hints:
            assert isinstance(hint, Hint) and hint.en and hint.ko and hint.en != hint.ko, name
            assert hangul_share(hint.ko) >= 0.5, hint.ko
            assert hangul_share(hint.en) < 0.5, hint.en
        record = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
        stored = {Hint(**m["hint"]) for case in record["cases"] for m in case["mistakes"]}
        assert stored <= hints, f"{name}: stored hints differ from the answer key's: make cases"


def test_notebook_language_reads_the_korean_editions_metadata():
    nb = nbformat.v4.new_notebook()
    assert notebook_language(nb) == "en"
    nb.metadata["course"] = {"edition": "ko", "translates": "../02_rnn.ipynb"}
    assert notebook_language(nb) == "ko"
    nb.metadata["course"] = {"edition": "en"}
    assert notebook_language(nb) == "en"
    nb.metadata["course"] = "ko"
    assert notebook_language(nb) == "en"


STEP_BACKWARD = """def rnn_step_backward(dnext_h, x, prev_h, W_xh, W_hh, next_h):
    da = dnext_h * (1.0 - next_h**2)
    return da @ W_xh, da @ W_hh, da.T @ x, da.T @ prev_h, da.sum(axis=0)
"""


@pytest.mark.parametrize("edition", ["ko", None])
def test_the_grader_speaks_the_submitted_notebooks_language(edition):
    """One grader run per language: a wrong answer with a known mistake, and a right one."""
    nb = nbformat.v4.new_notebook()
    if edition:
        nb.metadata["course"] = {"edition": edition}
    for name, source in [
        ("rnn_step", "def rnn_step(x, prev_h, W_xh, W_hh, b):\n"
                     "    return np.tanh(x @ W_xh.T + prev_h @ W_hh + b)\n"),
        ("rnn_step_backward", STEP_BACKWARD),
    ]:  # fmt: skip
        nb.cells.append(nbformat.v4.new_code_cell(source))
        nb.cells[-1].metadata["nbgrader"] = {"solution": True, "grade_id": f"{name}_answer"}
        nb.cells.append(nbformat.v4.new_code_cell(f"check_{name}({name})"))
        nb.cells[-1].metadata["nbgrader"] = {"grade": True, "grade_id": f"{name}_check"}
    verdicts = grade_notebook(nb, seeds={"rnn_step": [7], "rnn_step_backward": [8]})
    wrong, right = verdicts["rnn_step"], verdicts["rnn_step_backward"]
    assert not wrong.passed and right.passed
    if edition == "ko":
        assert (
            "힌트: W_hh의 전치 대신" in wrong.message
            and "채점기의 새 사례 1개 중 1번째" in wrong.message
        )
        assert right.message == (
            "rnn_step_backward: 새 무작위 입력 5개를 모두 통과했습니다 (노트북과 따로 채점)."
        )
    else:
        assert (
            "Hint: did you multiply" in wrong.message
            and "the grader's fresh trial 1 of 1" in wrong.message
        )
        assert right.message == (
            "rnn_step_backward: passed on 5 fresh random inputs (graded apart from the notebook)."
        )
    assert wrong.message.endswith("seed 7)" if edition != "ko" else "시드 7)")


def test_every_verdict_of_the_grader_comes_in_both_languages():
    """The grader's own sentences, from reports as its runner would send them (no run needed)."""
    exercise = ANSWERS["rnn_step"]
    trials = [exercise.trial(7)]
    wrong = encoding.encode(trials[0].expected + 1)

    def result(**entry):
        return {"results": {"rnn_step": entry}, "cell_errors": {"rnn_step_answer": "NameError: x"}}

    cases = [  # (refused, report, failure), English words, Korean words
        (({"rnn_step_answer": "line 1 uses getattr"}, None, None),
         "your answer cell was not run: ", "답안 셀을 실행하지 않았습니다: "),
        (({}, None, "the grader stopped"), "rnn_step: the grader stopped", "rnn_step: the grader stopped"),
        (({}, {"results": {}}, None),
         "the grader got no result for this exercise", "채점기가 이 연습 문제의 결과를 받지 못했습니다"),
        (({}, {"results": {"rnn_step": {"defined": False}},
               "cell_errors": {"rnn_step_answer": "NotImplementedError"}}, None),
         "rnn_step: not implemented yet.", "rnn_step: 아직 구현되지 않았습니다."),
        (({"helper": "line 1 imports os"}, result(defined=False), None),
         "do not define a function `rnn_step` (your answer cell raised NameError: x); cells not run: "
         "helper: line 1 imports os. The grader runs only",
         "답안 셀에 함수 `rnn_step`의 정의가 없습니다 (답안 셀에서 예외 발생: NameError: x); "
         "실행하지 않은 셀: helper: line 1 imports os. 채점기는"),
        (({}, result(defined=True, outcomes=[]), None),
         "the grader got no result for trial 1", "채점기가 1번째 사례의 결과를 받지 못했습니다"),
        (({}, result(defined=True, outcomes=[{"value": {"$": "pickle"}}]), None),
         "returned something the grader cannot read", "채점기가 읽을 수 없는 값을 반환했습니다"),
        (({}, result(defined=True, outcomes=[{"culprit": "course_lib.rnn.rnn_step_forward"}]), None),
         "calls course_lib.rnn.rnn_step_forward, the course's own", "강좌 자체의 구현인 `course_lib.rnn"),
        (({}, result(defined=True, outcomes=[{"timed_out": True}]), None),
         "took longer than 10 s", "10초 넘게 걸렸습니다"),
        (({}, result(defined=True, outcomes=[{"value": wrong}]), None),
         "(the grader's fresh trial 1 of 1, inputs: x of shape", "(채점기의 새 사례 1개 중 1번째, 입력: 모양이"),
    ]  # fmt: skip
    for (refused, report, failure), english, korean in cases:
        for lang, words in (("en", english), ("ko", korean)):
            message = _judge(exercise, "rnn_step", refused, report, failure, trials, lang)
            assert message is not None and words in message, (lang, message)
