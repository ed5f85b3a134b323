"""Right-padded batches: padded to one length, counted, reversed within each row, read at each
row's last real step."""

import pytest
import torch

from course_lib.padding import (
    last_valid,
    lengths_from_padding,
    lengths_of,
    pad_batch,
    reverse_padded,
)


def test_pad_batch_pads_and_refuses_too_long():
    x = pad_batch([[5, 6], [7]], pad_index=0)
    assert x.tolist() == [[5, 6], [7, 0]]
    with pytest.raises(ValueError, match="does not fit length=1"):
        pad_batch([[5, 6]], length=1)


def test_lengths_count_the_real_tokens_of_lists_and_of_padded_rows():
    assert lengths_of([[5, 6], [7], [1, 2, 3]]).tolist() == [2, 1, 3]
    assert lengths_from_padding(pad_batch([[5, 6], [7], [1, 2, 3]])).tolist() == [2, 1, 3]


def test_reverse_padded_reverses_within_lengths_and_keeps_pads_last():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0], [6, 7, 8, 9]])
    out = reverse_padded(x, torch.tensor([3, 2, 4]))
    assert out.tolist() == [[3, 2, 1, 0], [5, 4, 0, 0], [9, 8, 7, 6]]
    features = torch.randn(3, 4, 2)
    twice = reverse_padded(
        reverse_padded(features, torch.tensor([3, 2, 4])), torch.tensor([3, 2, 4])
    )
    assert torch.equal(twice, features)
    with pytest.raises(ValueError, match="lengths must lie in"):
        reverse_padded(x, torch.tensor([0, 2, 4]))


def test_last_valid_picks_each_rows_last_valid_step():
    outputs = torch.arange(2 * 4 * 1.0).reshape(2, 4, 1)
    assert last_valid(outputs, torch.tensor([4, 2])).flatten().tolist() == [3.0, 5.0]
    assert lengths_from_padding(torch.tensor([[5, 6, 0], [7, 0, 0]])).tolist() == [2, 1]


def test_last_valid_rejects_wrong_shapes_and_lengths():
    with pytest.raises(ValueError, match=r"outputs must be \(batch, time, hidden\), got \(2, 4\)"):
        last_valid(torch.zeros(2, 4), torch.tensor([1, 1]))
    with pytest.raises(ValueError, match=r"lengths must be \(2,\), got \(3,\)"):
        last_valid(torch.zeros(2, 4, 1), torch.tensor([1, 1, 1]))
    with pytest.raises(ValueError, match=r"lengths must lie in 1..4, got \[0, 5\]"):
        last_valid(torch.zeros(2, 4, 1), torch.tensor([0, 5]))
