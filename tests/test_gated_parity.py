"""LSTM and GRU (cells and layers) equal torch.nn's over the same grid: one parametrisation for both."""

import pytest
import torch
from recurrent_parity import (
    LAYER_CONFIGS,
    assert_matches_torch,
    assert_state_dict_round_trip,
    config_id,
)
from torch import nn

from course_lib import gru, lstm

# (course layer, torch layer, course cell, torch cell)
PAIRS = {
    "lstm": (lstm.LSTM, nn.LSTM, lstm.LSTMCell, nn.LSTMCell),
    "gru": (gru.GRU, nn.GRU, gru.GRUCell, nn.GRUCell),
}


@pytest.fixture(params=list(PAIRS))
def pair(request):
    return PAIRS[request.param]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("with_hx", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("config", LAYER_CONFIGS, ids=config_id)
def test_gated_layer_matches_torch(pair, config, with_hx, dtype):
    # float32 too, as the notebooks run: tolerances in recurrent_parity.TOLERANCES
    assert_matches_torch(pair[0], pair[1], with_hx=with_hx, dtype=dtype, **config)


@pytest.mark.parametrize(
    "case",
    [
        {"batch": 1},
        {"time": 1},
        {"batched": False},
        {"batched": False, "with_hx": True, "num_layers": 2, "bidirectional": True},
    ],
    ids=["batch1", "length1", "unbatched", "unbatched-L2-bidir-hx"],
)
def test_gated_layer_matches_torch_edge_cases(pair, case):
    assert_matches_torch(pair[0], pair[1], **case)


@pytest.mark.parametrize(
    "case",
    [
        {},
        {"with_hx": True},
        {"bias": False, "with_hx": True},
        {"batched": False},
        {"batched": False, "with_hx": True},
        {"batch": 1},
    ],
    ids=["zero-state", "given-state", "nobias", "unbatched", "unbatched-hx", "batch1"],
)
def test_gated_cell_matches_torch(pair, case):
    assert_matches_torch(pair[2], pair[3], **case)


@pytest.mark.parametrize(
    ("kwargs", "use_cell"),
    [
        ({"num_layers": 2, "bidirectional": True, "batch_first": True}, False),
        ({"bias": False, "batch_first": True}, False),
        ({}, True),
    ],
    ids=["layer", "layer-nobias", "cell"],
)
def test_gated_state_dict_loads_both_ways(pair, kwargs, use_cell):
    course_class, torch_class = (pair[2], pair[3]) if use_cell else (pair[0], pair[1])
    assert_state_dict_round_trip(course_class, torch_class, **kwargs)
