"""Exercise checkers for the notebooks' graded cells.

``EXERCISES`` maps each exercise name to its ``Exercise`` (``.check(fn)``,
``.points``); ``check_<name>(fn)`` checks one submission, printing a line when
it passes and raising ``AssertionError`` with one clear sentence when it does
not. One submodule per notebook defines its exercises.
"""

from .core import EXERCISES, Exercise, ExerciseFailure, compare
from .dnn_limits import check_bag_of_words, check_position_one_hot

__all__ = [
    "EXERCISES",
    "Exercise",
    "ExerciseFailure",
    "compare",
    "check_bag_of_words",
    "check_position_one_hot",
]
