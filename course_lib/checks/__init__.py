"""Exercise checkers for the notebooks' graded cells.

``EXERCISES`` maps each exercise name to its ``Exercise`` (``.check(fn, seed=None)``,
``.points``); ``check_<name>(fn)`` checks one submission, printing a line when
it passes and raising ``AssertionError`` with one clear sentence when it does
not. Each notebook's exercises live in their own submodule (``dnn_limits``,
...), re-exported here by name, so a check cell reads ``from course_lib.checks import check_x``.
A new exercise module is added to the imports below (``tests/test_checks.py`` fails if one is missing).
"""

from .bidirectional import check_merge_directions, check_reverse_padded
from .capstone import check_add_and_norm, check_masked_mean
from .core import EXERCISES, Exercise, ExerciseFailure, compare
from .dnn_limits import check_bag_of_words, check_position_one_hot
from .gru import check_gru_step, check_gru_update_states
from .lstm import check_cell_path_gain, check_lstm_cell_states, check_lstm_step
from .multi_head_attention import check_combine_heads, check_split_into_heads
from .rnn import check_rnn_step, check_rnn_step_backward
from .self_attention import check_attention_weighting, check_sinusoidal_encoding
from .topologies import check_greedy_decode, check_last_valid_state, check_teacher_forcing
from .vanishing_gradients import check_clip_by_global_norm, check_grad_through_time

__all__ = [
    "EXERCISES",
    "Exercise",
    "ExerciseFailure",
    "compare",
    "check_reverse_padded",
    "check_merge_directions",
    "check_add_and_norm",
    "check_masked_mean",
    "check_bag_of_words",
    "check_position_one_hot",
    "check_gru_update_states",
    "check_gru_step",
    "check_lstm_cell_states",
    "check_lstm_step",
    "check_cell_path_gain",
    "check_split_into_heads",
    "check_combine_heads",
    "check_rnn_step",
    "check_rnn_step_backward",
    "check_attention_weighting",
    "check_sinusoidal_encoding",
    "check_last_valid_state",
    "check_teacher_forcing",
    "check_greedy_decode",
    "check_grad_through_time",
    "check_clip_by_global_norm",
]
