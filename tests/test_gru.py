"""Tests of course_lib.gru: GRUCell and GRU equal torch.nn's, and their gates."""

import pytest
import torch
from recurrent_parity import (
    make_pair,
)
from torch import nn

from course_lib import gru


def test_gru_cell_gates_reproduce_torch_output():
    torch.manual_seed(0)
    ours, theirs = make_pair(gru.GRUCell, nn.GRUCell)
    x = torch.randn(4, 3, dtype=torch.float64)
    h = torch.randn(4, 5, dtype=torch.float64)
    h_ours, gates = ours(x, h, return_gates=True)
    # h' = (1 - z) * n + z * h
    torch.testing.assert_close(
        (1 - gates.z) * gates.n + gates.z * h, theirs(x, h), rtol=1e-10, atol=1e-12
    )
    assert torch.equal(h_ours, ours(x, h))


@pytest.mark.parametrize("batch_first", [False, True])
def test_gru_layer_gates_reproduce_torch_output(batch_first):
    torch.manual_seed(1)
    ours, theirs = make_pair(gru.GRU, nn.GRU, batch_first=batch_first)
    x = torch.randn(2, 6, 3, dtype=torch.float64)  # (B, T, I)
    x = x if batch_first else x.transpose(0, 1)
    h0 = torch.randn(1, 2, 5, dtype=torch.float64)
    output, h_n, gates = ours(x, h0, return_gates=True)
    torch_output, _ = theirs(x, h0)
    time_dim = 1 if batch_first else 0
    # h_{t-1} for every t: h0, then torch's outputs shifted by one step
    previous = torch.cat([h0.transpose(0, 1) if batch_first else h0, torch_output], time_dim)
    previous = previous.narrow(time_dim, 0, x.shape[time_dim])
    r, z, n = (g[0] for g in gates)
    torch.testing.assert_close((1 - z) * n + z * previous, torch_output, rtol=1e-10, atol=1e-12)
    assert torch.equal(output, ours(x, h0)[0])


def test_gru_wrong_input_raises_value_error_naming_expected_and_actual():
    with pytest.raises(ValueError) as error:
        gru.GRU(3, 5, batch_first=True)(torch.zeros(2, 4, 6))
    assert "(batch, time, 3)" in str(error.value)
    assert "(2, 4, 6)" in str(error.value)
