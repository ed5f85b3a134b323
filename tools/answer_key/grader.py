"""Grade a submission's answer cells apart from the notebook, against the answer key.

The notebook's own check cells run in the student's kernel, where the submission can patch
anything: the checks, ``np.allclose``, ``print``, ``AssertionError``. So the grade comes from here:

1. Read each answer cell's source (never run it here) and refuse what an answer may not use
   (``course_lib.checks.own_work.scan``): imports other than math/numpy/torch, course_lib,
   ``getattr``/``exec``/``open``..., private attributes, the exercise's forbidden names.
2. Draw fresh random inputs for every exercise and compute the reference's outputs here.
3. Run the accepted answer cells in a separate interpreter (``runner.py``), which calls each
   exercise's function on those inputs and sends back only data (JSON, no pickle).
4. Compare here, with the same engine and messages as the learner's check.

``grade_notebook(nb)`` returns ``{exercise: Verdict}``, in the notebook's language: Korean for the
Korean edition (``metadata["course"]["edition"] == "ko"``, which ``tools/korean_edition.py``
writes), else English. ``nbgrader_plugin`` writes verdicts into the check cells' outputs during
``nbgrader autograde``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course_lib.checks import encoding
from course_lib.checks.core import Outcome, describe_inputs, problem_of
from course_lib.checks.messages import say
from course_lib.checks.own_work import scan
from course_lib.language import checked

from .spec import ANSWERS, Exercise

RUNNER = Path(__file__).resolve().parent / "runner.py"
PREAMBLE = (
    "import math\nimport numpy as np\nimport torch\nfrom torch import nn\n"
    "import torch.nn.functional as F\n"
)
CHECK_CALL = re.compile(r"^\s*check_(\w+)\(\s*(\w+)", re.M)
MAX_RESULT_BYTES = 256 * 2**20


@dataclass
class Verdict:
    exercise: str
    passed: bool
    message: str
    points: int


def python_source(cell_source: str) -> str:
    """The cell as plain Python (IPython magics and ``!`` lines transformed as the kernel would)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return cell_source
    return TransformerManager().transform_cell(cell_source)


def check_calls(nb) -> list[tuple[str, str, str]]:
    """``(grade_id, exercise, function name)`` of each graded check cell of an answer-key exercise."""
    calls = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        for exercise, function in CHECK_CALL.findall(cell.source):
            if exercise in ANSWERS:
                calls.append((meta.get("grade_id", ""), exercise, function))
    return calls


def answer_cells(nb) -> list[tuple[str, str]]:
    """``(grade_id, source)`` of each answer (solution) code cell, in notebook order."""
    return [
        (cell.metadata["nbgrader"].get("grade_id", f"cell{i}"), cell.source)
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


def notebook_language(nb) -> str:
    """ "ko" for a notebook of the Korean edition (its metadata says so), else "en"."""
    course = nb.get("metadata", {}).get("course", {})
    return "ko" if isinstance(course, dict) and course.get("edition") == "ko" else "en"


def grade_notebook(nb, *, seeds: dict[str, list[int]] | None = None) -> dict[str, Verdict]:
    """Grade every exercise whose check cell ``nb`` holds, from its answer cells alone.

    The verdicts speak the notebook's language (``notebook_language``).
    """
    calls = check_calls(nb)
    return grade(
        answer_cells(nb),
        [(e, f) for _, e, f in calls],
        seeds=seeds,
        language=notebook_language(nb),
    )


def grade(
    cells: list[tuple[str, str]],
    calls: list[tuple[str, str]],
    *,
    seeds: dict[str, list[int]] | None = None,
    timeout: float | None = None,
    language: str = "en",
) -> dict[str, Verdict]:
    """Grade ``calls`` (``(exercise, function name)``) on the answer ``cells`` (``(grade_id, source)``).

    language: "en" or "ko", the language of the verdicts' messages.
    """
    language = checked(language)
    exercises = [ANSWERS[name] for name, _ in calls]
    forbidden = sorted({f for ex in exercises for f in ex.forbidden})
    refused: dict[str, str] = {}
    accepted = []
    for grade_id, source in cells:
        code = python_source(source)
        problem = scan(code, forbidden, language=language)
        if problem is None:
            accepted.append({"id": grade_id, "source": code})
        else:
            refused[grade_id] = problem

    trials = {
        ex.name: [ex.trial(s) for s in (seeds or {}).get(ex.name) or ex.fresh_seeds()]
        for ex in exercises
    }
    job = {
        "preamble": PREAMBLE,
        "cells": accepted,
        "calls": [
            {
                "exercise": ex.name,
                "function": function,
                "time_limit": ex.time_limit,
                "forbidden": list(ex.forbidden),
                "trials": [
                    {"seed": t.seed, "args": encoding.encode(t.args)} for t in trials[ex.name]
                ],
            }
            for ex, (_, function) in zip(exercises, calls, strict=True)
        ],
    }
    limit = timeout or 60 + sum(ex.time_limit * ex.trials for ex in exercises)
    report, failure = _run(job, limit, language)

    verdicts = {}
    for ex, (_, function) in zip(exercises, calls, strict=True):
        message = _judge(ex, function, refused, report, failure, trials[ex.name], language)
        verdicts[ex.name] = Verdict(
            ex.name,
            message is None,
            message or say("graded_pass", language, name=ex.name, count=ex.trials),
            ex.points,
        )
    return verdicts


def _run(job: dict, limit: float, language: str) -> tuple[dict | None, str | None]:
    """Run the runner on ``job``; return (its report, None) or (None, why it gave nothing)."""
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        job_path, result_path = Path(tmp) / "job.json", Path(tmp) / "result.json"
        job_path.write_text(json.dumps(job))
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": tmp,
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        try:
            subprocess.run(
                [sys.executable, "-I", str(RUNNER), str(job_path), str(result_path)],
                cwd=tmp,
                env=env,
                timeout=limit,
                capture_output=True,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, say("grader_timed_out", language, seconds=limit)
        if not result_path.exists():
            return None, say("grader_no_report", language)
        if result_path.stat().st_size > MAX_RESULT_BYTES:
            return None, say("grader_too_large", language)
        try:
            return json.loads(result_path.read_text(encoding="utf-8")), None
        except (ValueError, UnicodeDecodeError):
            return None, say("grader_unreadable", language)


def _judge(
    ex: Exercise, function: str, refused, report, failure, trials, language: str
) -> str | None:
    name = ex.name
    own_cell = f"{name}_answer"
    if own_cell in refused:
        return say("graded_refused", language, name=name, problem=refused[own_cell])
    if report is None:
        return f"{name}: {failure}"
    entry = report.get("results", {}).get(name) if isinstance(report, dict) else None
    if not isinstance(entry, dict):
        return say("graded_no_result", language, name=name)
    if not entry.get("defined"):
        why = report.get("cell_errors", {}).get(own_cell)
        if why == "NotImplementedError":
            return say("graded_not_implemented", language, name=name)
        refusals = "; ".join(f"{gid}: {p}" for gid, p in refused.items())
        return say(
            "graded_undefined",
            language,
            name=name,
            function=function,
            detail=say("graded_cell_raised", language, error=why) if why else "",
            refusals=say("graded_cells_not_run", language, refusals=refusals) if refusals else "",
        )
    outcomes = entry.get("outcomes", [])
    for i, trial in enumerate(trials):
        if i >= len(outcomes) or not isinstance(outcomes[i], dict):
            return say("graded_no_trial", language, name=name, number=i + 1)
        raw = outcomes[i]
        try:
            value = encoding.decode(raw.get("value"))
        except (encoding.DecodeError, ValueError, TypeError) as e:
            return say("graded_unreadable_value", language, name=name, error=e)
        outcome = Outcome(
            value=value,
            error=_text(raw.get("error")),
            not_implemented=raw.get("not_implemented") is True,
            timed_out=raw.get("timed_out") is True,
            modified=raw.get("modified") if isinstance(raw.get("modified"), int) else None,
            culprit=_text(raw.get("culprit")),
        )
        problem = problem_of(
            outcome,
            trial,
            arg_names=ex.arg_names,
            tolerance=ex.tolerance,
            time_limit=ex.time_limit,
            language=language,
        )
        if problem is not None:
            if outcome.not_implemented or outcome.culprit:
                return f"{name}: {problem}"
            return say(
                "graded_trial",
                language,
                name=name,
                problem=problem,
                number=i + 1,
                count=len(trials),
                inputs=describe_inputs(ex.arg_names, trial.args, language),
                seed=trial.seed,
            )
    return None


def _text(value) -> str | None:
    return value[:500] if isinstance(value, str) else None
