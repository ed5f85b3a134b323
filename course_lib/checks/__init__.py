"""Exercise checkers for the notebooks' graded cells.

``EXERCISES`` maps each exercise name to its ``Exercise`` (``.check(fn)``,
``.points``); ``check_<name>(fn)`` checks one submission, printing a line when
it passes and raising ``AssertionError`` with one clear sentence when it does
not. Each notebook's exercises live in their own submodule (``dnn_limits``,
...); importing this package imports them all and exposes every ``check_*``
function here, so a check cell reads ``from course_lib.checks import check_x``.
"""

import importlib
import pkgutil

from .core import EXERCISES, Exercise, ExerciseFailure, compare

__all__ = ["EXERCISES", "Exercise", "ExerciseFailure", "compare"]

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name != "core":
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        for _name in dir(_module):
            if _name.startswith("check_"):
                globals()[_name] = getattr(_module, _name)
                __all__.append(_name)
