"""The untrusted side of grading: run a submission's answer cells, call its functions, report.

    python -I runner.py JOB.json RESULT.json

Started by ``grader.py`` in a fresh interpreter (``-I``: no user site, no environment, and not
this folder on the path, so the answer key cannot be imported). It loads the checking engine,
closes every other door to course_lib, executes the answer cells in one namespace that starts with
``math``, ``np``, ``torch``, ``nn`` and ``F``, calls each exercise's function on the inputs the job
holds (each call in a watched thread with a time limit) and writes what happened as JSON. It has
no reference and decides nothing: the grader compares the outputs, in its own process.
"""

import contextlib
import io
import json
import os
import sys


class _Refuse:
    """An import hook that refuses the course's package (beyond its checks) and the answer key."""

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top == "answer_key" or top == "course_lib" and not name.startswith("course_lib.checks"):
            raise ImportError(f"{name} is not available while grading")
        return None


def main(job_path: str, result_path: str) -> None:
    from course_lib.checks import encoding
    from course_lib.checks.core import call_once

    for name in [m for m in sys.modules if m.startswith("course_lib") and ".checks" not in m]:
        if name != "course_lib":
            sys.modules[name] = None
    sys.meta_path.insert(0, _Refuse())

    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    for module in ("numpy", "torch", "torch.nn", "torch.nn.functional", "math"):
        __import__(module)

    namespace = {"__name__": "__answers__"}
    exec(job["preamble"], namespace)
    cell_errors = {}
    sink = io.StringIO()
    for cell in job["cells"]:
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(compile(cell["source"], f"<answer cell {cell['id']}>", "exec"), namespace)
        except NotImplementedError:
            cell_errors[cell["id"]] = "NotImplementedError"
        except BaseException as e:  # noqa: BLE001 - a broken cell is reported, never fatal
            cell_errors[cell["id"]] = f"{type(e).__name__}: {e}"[:500]
        sink.seek(0)
        sink.truncate()

    results = {}
    for call in job["calls"]:
        fn = namespace.get(call["function"])
        entry = {"defined": callable(fn), "outcomes": []}
        results[call["exercise"]] = entry
        if not callable(fn):
            continue
        for trial in call["trials"]:
            args = encoding.decode(trial["args"])
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                outcome = call_once(fn, args, call["time_limit"], call["forbidden"])
            sink.seek(0)
            sink.truncate()
            entry["outcomes"].append(
                {
                    "value": encoding.encode(outcome.value),
                    "error": outcome.error,
                    "not_implemented": outcome.not_implemented,
                    "timed_out": outcome.timed_out,
                    "modified": outcome.modified,
                    "culprit": outcome.culprit,
                }
            )
            if outcome.timed_out:
                break
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump({"cell_errors": cell_errors, "results": results}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    sys.stdout.flush()
    os._exit(0)  # do not wait for a learner's thread that is still running
