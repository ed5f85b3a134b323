"""The two sentence DNNs compute what the lecture says, and reject what they cannot take."""

import pytest
import torch

from course_lib.dnn import BagOfWordsDNN, FixedPositionDNN, bag_of_words, position_one_hot


def test_bag_of_words_counts_and_ignores_pad():
    x = torch.tensor([[3, 4, 3, 0]])
    assert bag_of_words(x, 6).tolist() == [[0, 0, 0, 2, 1, 0]]


def test_bag_of_words_dnn_is_exactly_a_sum_of_per_word_weights():
    torch.manual_seed(0)
    model = BagOfWordsDNN(vocab_size=7, hidden_size=5, num_classes=3).double()
    x = torch.tensor([[1, 2, 3], [3, 2, 1], [2, 1, 3]])
    out = model(x)
    assert torch.equal(out[0], out[1]) and torch.equal(out[0], out[2])
    W = model.hidden.weight  # (hidden, V): column w is word w's weight vector
    manual = model.out(torch.relu(W[:, 1] + W[:, 2] + W[:, 3] + model.hidden.bias))
    torch.testing.assert_close(out[0], manual, rtol=0, atol=1e-12)


def test_position_one_hot_places_each_slot_in_its_block():
    x = torch.tensor([[2, 0, 1]])
    features = position_one_hot(x, 3)
    assert features.tolist() == [[0, 0, 1, 0, 0, 0, 0, 1, 0]]


def test_fixed_position_dnn_sees_order_and_pads_short_input():
    torch.manual_seed(0)
    model = FixedPositionDNN(vocab_size=7, num_positions=4, hidden_size=8, num_classes=3)
    out = model(torch.tensor([[1, 2, 3], [3, 2, 1]]))
    assert not torch.equal(out[0], out[1])
    torch.testing.assert_close(
        model(torch.tensor([[1, 2, 3]])), model(torch.tensor([[1, 2, 3, 0]]))
    )
    assert model.slot_weights().shape == (4, 8, 7)


def test_fixed_position_dnn_is_exactly_a_sum_of_per_slot_blocks():
    torch.manual_seed(0)
    model = FixedPositionDNN(vocab_size=7, num_positions=4, hidden_size=5, num_classes=3).double()
    x = torch.tensor([[1, 2, 3]])  # padded to 4 slots: the empty slot adds nothing
    W = model.slot_weights()  # (slots, hidden, V): W[t][:, w] is word w's weights at slot t
    manual = model.out(torch.relu(W[0][:, 1] + W[1][:, 2] + W[2][:, 3] + model.hidden.bias))
    torch.testing.assert_close(model(x)[0], manual, rtol=0, atol=1e-12)


def test_fixed_position_dnn_refuses_longer_sentences_naming_the_limit():
    model = FixedPositionDNN(vocab_size=7, num_positions=4, hidden_size=8, num_classes=3)
    with pytest.raises(ValueError, match=r"4 word slots; got a sentence of 5 words"):
        model(torch.ones(1, 5, dtype=torch.long))


@pytest.mark.parametrize(
    "bad", [torch.ones(2, 3), torch.ones(2, dtype=torch.long), torch.full((1, 2), 9)]
)
def test_bad_inputs_raise_value_error_naming_the_expected_shape(bad):
    with pytest.raises(ValueError, match=r"\(batch, time\)|must lie in"):
        BagOfWordsDNN(vocab_size=7, hidden_size=5, num_classes=3)(bad)
