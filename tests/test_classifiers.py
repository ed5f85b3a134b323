"""The capstone's readers answer from the real words only: extra padding never changes the logits."""

import pytest
import torch
from torch import nn

from course_lib.classifiers import AttentionClassifier, BiRNNClassifier
from course_lib.data import reverse_padded
from course_lib.topologies import last_valid


def _models():
    torch.manual_seed(0)
    return {
        "birnn": BiRNNClassifier(12, 6, 5, 3),
        "head": AttentionClassifier(12, 8, 3, encoder="head"),
        "multihead": AttentionClassifier(12, 8, 3, encoder="multihead", num_heads=2),
        "transformer": AttentionClassifier(12, 8, 3, encoder="transformer", num_heads=2),
    }


@pytest.mark.parametrize("name", ["birnn", "head", "multihead", "transformer"])
def test_padding_does_not_change_the_answer(name):
    model = _models()[name].double().eval()
    tokens = torch.tensor([[3, 4, 5, 0], [6, 7, 0, 0]])
    more_padding = torch.cat([tokens, torch.zeros(2, 3, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model(tokens), model(more_padding), rtol=0, atol=1e-12)
    alone = model(torch.tensor([[6, 7]]))
    torch.testing.assert_close(model(tokens)[1:], alone, rtol=0, atol=1e-12)
    assert model(tokens).shape == (2, 3)


def test_birnn_backward_pass_reads_each_sentence_reversed():
    model = BiRNNClassifier(12, 6, 5, 3).double()
    tokens = torch.tensor([[3, 4, 5, 0]])
    e = model.embed(tokens)
    lengths = torch.tensor([3])
    fwd = last_valid(model.forward_rnn(e)[0], lengths)
    bwd = model.backward_rnn(model.embed(torch.tensor([[5, 4, 3]])))[0][:, -1]
    torch.testing.assert_close(
        model(tokens), model.out(torch.cat([fwd, bwd], -1)), rtol=0, atol=1e-12
    )
    torch.testing.assert_close(
        reverse_padded(e, lengths)[:, :3], model.embed(torch.tensor([[5, 4, 3]]))
    )


def test_attention_classifier_rejects_unknown_encoder_and_long_input():
    with pytest.raises(ValueError, match="encoder must be one of"):
        AttentionClassifier(12, 8, 3, encoder="lstm")
    with pytest.raises(ValueError, match=r"tokens must be \(batch, <= 4\)"):
        AttentionClassifier(12, 8, 3, max_len=4)(torch.ones(1, 5, dtype=torch.long))


def test_attention_classifier_sees_order():
    model = AttentionClassifier(12, 8, 3, encoder="multihead", num_heads=2).double()
    nn.init.normal_(model.out.weight)
    a, b = model(torch.tensor([[3, 4, 5]])), model(torch.tensor([[5, 4, 3]]))
    assert not torch.allclose(a, b)
