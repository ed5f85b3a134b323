"""Write the stored cases that a student's check runs on, from the answer key.

    python tools/answer_key/cases.py [NAME ...]

For each exercise: its points, argument names, tolerances, time limit and forbidden calls, and
for seeds 1..trials the inputs, the reference's output and the outputs of the known mistakes
(with their hints, ``{"en": ..., "ko": ...}``), as JSON in ``course_lib/checks/cases/<name>.json``.
Outputs only: no code of the reference or of a mistake leaves the answer key.
``tests/test_checks.py`` fails when a stored case no longer matches the reference, and
``tests/test_check_language.py`` when a stored hint no longer matches the answer key's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the answer_key package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answer_key import ANSWERS  # noqa: E402
from answer_key.spec import Exercise  # noqa: E402
from course_lib.checks import encoding  # noqa: E402
from course_lib.checks.core import compare  # noqa: E402

CASES = Path(__file__).resolve().parent.parent.parent / "course_lib" / "checks" / "cases"


def case_seeds(exercise: Exercise) -> list[int]:
    return list(range(1, exercise.trials + 1))


def record(exercise: Exercise) -> dict:
    """The JSON-ready record of ``exercise``'s stored cases."""
    cases = []
    for seed in case_seeds(exercise):
        trial = exercise.trial(seed)
        mistakes = [
            {"output": encoding.encode(out), "hint": hint._asdict()}
            for out, hint in trial.mistakes
            if compare(out, trial.expected, rtol=exercise.rtol, atol=exercise.atol, language="en")
            is not None
        ]
        cases.append(
            {
                "seed": seed,
                "args": encoding.encode(trial.args),
                "expected": encoding.encode(trial.expected),
                "mistakes": mistakes,
            }
        )
    return {
        "name": exercise.name,
        "points": exercise.points,
        "arg_names": list(exercise.arg_names),
        "forbidden": list(exercise.forbidden),
        "rtol": exercise.rtol,
        "atol": exercise.atol,
        "time_limit": exercise.time_limit,
        "cases": cases,
    }


def write(exercise: Exercise, folder: Path = CASES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{exercise.name}.json"
    path.write_text(json.dumps(record(exercise), indent=None, sort_keys=True) + "\n")
    return path


def main(argv: list[str]) -> int:
    names = argv or sorted(ANSWERS)
    unknown = [n for n in names if n not in ANSWERS]
    if unknown:
        print(f"unknown exercises: {unknown}; known: {sorted(ANSWERS)}", file=sys.stderr)
        return 2
    for name in names:
        path = write(ANSWERS[name])
        print(f"wrote {path.relative_to(CASES.parent.parent.parent)} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
