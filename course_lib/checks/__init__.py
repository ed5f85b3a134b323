"""Exercise checkers for the notebooks' graded cells.

``check_<name>(fn, seed=None)`` checks one submission on the cases stored for exercise ``name``
(``cases/<name>.json``): it prints a line when it passes and raises ``AssertionError`` with one
clear sentence when it does not; a failure names the seed of its case, and ``seed=`` replays
it. ``EXERCISES`` maps each name to its check (``.points``, ``.arg_names``). No reference
implementation ships here: the answer key and the grader live with the instructor
(``tools/answer_key``). A new exercise gets a line below and its cases file
(``tests/test_checks.py`` fails if either is missing).
"""

from .core import Check, ExerciseFailure, compare

# 01_dnn_limits
check_bag_of_words = Check("bag_of_words")
check_position_one_hot = Check("position_one_hot")
check_best_bag_of_words = Check("best_bag_of_words")
# 02_rnn
check_rnn_step = Check("rnn_step")
check_rnn_step_backward = Check("rnn_step_backward")
check_rnn_classifier_backward = Check("rnn_classifier_backward")
# 03_bidirectional_rnn
check_reverse_padded = Check("reverse_padded")
check_merge_directions = Check("merge_directions")
check_bidirectional_padded = Check("bidirectional_padded")
# 04_io_topologies
check_last_valid_state = Check("last_valid_state")
check_teacher_forcing = Check("teacher_forcing")
check_greedy_decode = Check("greedy_decode")
check_beam_search = Check("beam_search")
# 05_vanishing_gradients
check_grad_through_time = Check("grad_through_time")
check_clip_by_global_norm = Check("clip_by_global_norm")
check_gain_and_bound = Check("gain_and_bound")
# 06_lstm
check_lstm_cell_states = Check("lstm_cell_states")
check_lstm_step = Check("lstm_step")
check_cell_path_gain = Check("cell_path_gain")
check_lstm_step_backward = Check("lstm_step_backward")
# 07_gru
check_gru_update_states = Check("gru_update_states")
check_gru_step = Check("gru_step")
check_gru_jacobian_paths = Check("gru_jacobian_paths")
# 08_self_attention
check_attention_weighting = Check("attention_weighting")
check_sinusoidal_encoding = Check("sinusoidal_encoding")
check_relative_shift = Check("relative_shift")
# 09_multi_head_attention
check_split_into_heads = Check("split_into_heads")
check_combine_heads = Check("combine_heads")
check_multi_head_attention = Check("multi_head_attention")
# 10_capstone
check_add_and_norm = Check("add_and_norm")
check_masked_mean = Check("masked_mean")
check_transformer_block = Check("transformer_block")

EXERCISES: dict[str, Check] = {c.name: c for c in list(globals().values()) if isinstance(c, Check)}

__all__ = ["EXERCISES", "Check", "ExerciseFailure", "compare", *(f"check_{n}" for n in EXERCISES)]
