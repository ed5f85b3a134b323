"""The answer key: every graded exercise's reference, input drawer and known mistakes.

Instructor's side only. ``ANSWERS`` maps an exercise name to its ``spec.Exercise``. A new
notebook's exercise module is imported below (``tests/test_checks.py`` fails if one is missing).
"""

from . import (  # noqa: F401 - each module registers its exercises
    bidirectional,
    capstone,
    dnn_limits,
    gru,
    lstm,
    multi_head_attention,
    rnn,
    self_attention,
    topologies,
    vanishing_gradients,
)
from .spec import ANSWERS, Exercise

__all__ = ["ANSWERS", "Exercise"]
