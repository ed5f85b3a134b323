"""The capstone's readers answer from the real words only: extra padding never changes the logits."""

import pytest
import torch
from torch import nn

from course_lib.classifiers import AttentionClassifier, BiRNNClassifier, count_parameters
from course_lib.padding import last_valid, reverse_padded


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


def test_position_shift_moves_positions_in_training_only():
    torch.manual_seed(0)
    model = AttentionClassifier(
        12, 8, 3, encoder="multihead", num_heads=2, position_shift=2
    ).double()
    plain = AttentionClassifier(12, 8, 3, encoder="multihead", num_heads=2).double()
    plain.load_state_dict(model.state_dict())
    tokens = torch.tensor([[3, 4, 5, 0], [6, 7, 8, 9]])
    model.eval()
    torch.testing.assert_close(model(tokens), plain.eval()(tokens), rtol=0, atol=1e-12)
    # in training, each sentence's positions start at an offset in 0..2: its logits are those of one offset
    model.train()
    seen = set()
    for _ in range(40):
        out = model(tokens)
        for row in range(2):
            matches = [
                k
                for k in range(3)
                if torch.allclose(out[row], _logits_at_offset(plain, tokens[row : row + 1], k)[0])
            ]
            assert len(matches) == 1
            seen.add(matches[0])
    assert seen == {0, 1, 2}


def _logits_at_offset(model, tokens, k):
    """The attention reader's logits with its positions starting at k (the training-time shift)."""
    padding = tokens == model.pad_index
    T = tokens.shape[1]
    x = model.embed(tokens) + model.positions[k : k + T].to(model.embed.weight.dtype)
    h, _ = model.encoder(x, x, x, key_padding_mask=padding, need_weights=False)
    keep = (~padding).unsqueeze(-1).to(h.dtype)
    return model.out((h * keep).sum(1) / keep.sum(1))


def test_position_shift_is_checked():
    with pytest.raises(ValueError, match="position_shift must be >= 0"):
        AttentionClassifier(12, 8, 3, position_shift=-1)
    with pytest.raises(ValueError, match=r"tokens must be \(batch, <= 3\)"):
        AttentionClassifier(12, 8, 3, max_len=5, position_shift=2)(
            torch.ones(1, 4, dtype=torch.long)
        )
    with pytest.raises(ValueError, match=r"tokens must be \(batch, time\)"):
        AttentionClassifier(12, 8, 3)(torch.ones(4, dtype=torch.long))


def test_count_parameters_counts_trainable_numbers_and_prints_them_whole():
    model = nn.Linear(100, 30)  # 3,000 weights + 30 biases
    assert count_parameters(model) == 3030
    assert f"{count_parameters(model):.2f}" == "3,030"
    model.bias.requires_grad_(False)
    assert count_parameters(model) == 3000
