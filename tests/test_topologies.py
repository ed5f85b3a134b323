"""The five topologies work with any recurrent layer, respect padding, and decode correctly."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_lib.gru import GRU
from course_lib.lstm import LSTM
from course_lib.rnn import RNN
from course_lib.topologies import (
    ManyToMany,
    ManyToOne,
    OneToMany,
    OneToOne,
    Seq2Seq,
    TupleInput,
    greedy_decode,
    has_cell_state,
    initial_state,
    sequence_accuracy,
    sequence_loss,
    shift_right,
    teacher_forcing,
    top_hidden,
)
from course_lib.training import fit

CELLS = {
    "course-RNN": RNN,
    "course-LSTM": LSTM,
    "course-GRU": GRU,
    "torch-RNN": nn.RNN,
    "torch-LSTM": nn.LSTM,
    "torch-GRU": nn.GRU,
}
B, T, S, V, E, H, D, C = 3, 5, 4, 9, 6, 7, 10, 4
BOS, EOS = 1, 2


@pytest.fixture(params=list(CELLS), ids=list(CELLS))
def cell(request):
    return CELLS[request.param]


def padded_tokens(lengths, T=T, V=V, seed=0):
    """Right-padded token rows (len(lengths), T) with tokens 3..V-1 and <pad> = 0."""
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(3, V, (len(lengths), T), generator=g)
    for b, n in enumerate(lengths):
        tokens[b, n:] = 0
    return tokens


# --- state helpers ------------------------------------------------------------------------------


def test_initial_state_is_h_or_the_pair_h_c_for_every_layer(cell):
    layer = cell(E, H, num_layers=2, batch_first=True)
    h = torch.randn(B, H)
    state = initial_state(layer, h)
    assert has_cell_state(layer) == (cell in (LSTM, nn.LSTM))
    if has_cell_state(layer):
        assert state[0].shape == state[1].shape == (2, B, H) and not state[1].any()
    else:
        assert state.shape == (2, B, H)
    assert torch.equal(top_hidden(state), h)
    _, h_n = layer(torch.randn(B, T, E), state)  # the layer accepts it
    assert top_hidden(h_n).shape == (B, H)


# --- shapes of every topology with every cell ---------------------------------------------------


def test_one_to_one_maps_a_vector_to_logits():
    model = OneToOne(D, H, C)
    assert model(torch.randn(B, D)).shape == (B, C)
    with pytest.raises(ValueError, match=rf"x must be \(batch, {D}\), got \(3, 2, {D}\)"):
        model(torch.randn(B, 2, D))


def test_one_to_many_shapes(cell):
    model = OneToMany(D, V, E, H, cell=cell, num_layers=2)
    x, tokens_in = torch.randn(B, D), padded_tokens([S] * B, T=S)
    assert model(x, tokens_in).shape == (B, S, V)
    generated = model.generate(x, bos_index=BOS, eos_index=EOS, max_len=6)
    assert generated.dtype == torch.long and generated.shape[0] == B and generated.shape[1] <= 6
    with pytest.raises(ValueError, match=rf"x must be \(batch, {D}\), got \(3, {D + 1}\)"):
        model(torch.randn(B, D + 1), tokens_in)
    with pytest.raises(
        ValueError, match=r"integer token indices \(batch, steps\), got \(3, 4, 1\)"
    ):
        model(x, tokens_in.unsqueeze(2))
    with pytest.raises(
        ValueError, match=r"share the batch size: expected \(3, ...\), got \(2, 4\)"
    ):
        model(x, tokens_in[:2])


def test_many_to_one_shapes(cell):
    model = ManyToOne(V, E, H, C, cell=cell)
    assert model(padded_tokens([5, 2, 3])).shape == (B, C)
    with pytest.raises(
        ValueError, match=r"integer token indices \(batch, steps\), got \(3, 5\) torch.float32"
    ):
        model(torch.zeros(B, T))
    with pytest.raises(ValueError, match=r"lengths must be \(3,\), got \(2,\)"):
        model(padded_tokens([5, 2, 3]), torch.tensor([5, 2]))


def test_many_to_many_shapes(cell):
    model = ManyToMany(V, E, H, C, cell=cell)
    assert model(padded_tokens([5, 2, 3])).shape == (B, T, C)
    with pytest.raises(ValueError, match=r"integer token indices \(batch, steps\), got \(5,\)"):
        model(padded_tokens([5])[0])


def test_seq2seq_shapes(cell):
    model = Seq2Seq(V, V + 2, E, H, cell=cell, num_layers=2)
    src, tgt_in = padded_tokens([5, 2, 3]), padded_tokens([S] * B, T=S)
    assert model.encode(src).shape == (B, H)
    assert model(src, tgt_in).shape == (B, S, V + 2)
    generated = model.generate(src, bos_index=BOS, eos_index=EOS, max_len=7)
    assert generated.dtype == torch.long and generated.shape[0] == B and generated.shape[1] <= 7
    with pytest.raises(ValueError, match=r"context must be \(3, hidden\), got \(2, 7\)"):
        model.decode(tgt_in, torch.zeros(2, H), None)


# --- many-to-one: padding never changes the answer ----------------------------------------------


def test_many_to_one_reads_the_last_valid_step_like_the_unpadded_sentence_alone(cell):
    torch.manual_seed(0)
    model = ManyToOne(V, E, H, C, cell=cell).double()
    lengths = [5, 2, 3]
    tokens = padded_tokens(lengths)
    batch = model(tokens)
    for b, n in enumerate(lengths):
        alone = model(tokens[b : b + 1, :n])
        torch.testing.assert_close(batch[b : b + 1], alone, rtol=1e-12, atol=1e-12)
    # the same sentences padded further give the same answers
    longer = torch.cat([tokens, torch.zeros(B, 3, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model(longer), batch, rtol=1e-12, atol=1e-12)
    # reading the very last step would not: it has read the padding
    outputs, _ = model.rnn(model.embed(tokens))
    assert not torch.allclose(model.out(outputs[:, -1])[1:], batch[1:])


def test_seq2seq_context_is_the_encoders_last_valid_state(cell):
    torch.manual_seed(0)
    model = Seq2Seq(V, V, E, H, cell=cell).double()
    tokens = padded_tokens([5, 2, 3])
    context = model.encode(tokens)
    for b, n in enumerate([5, 2, 3]):
        _, h_n = model.encoder(model.src_embed(tokens[b : b + 1, :n]))
        torch.testing.assert_close(context[b : b + 1], top_hidden(h_n), rtol=1e-12, atol=1e-12)


# --- encoder-decoder: the context stays fixed (d2l #2134) ---------------------------------------


def _record_decoder_inputs(model):
    """Hook the decoder layer; return the list that collects (input, state) of every call."""
    calls = []

    def hook(module, args):
        calls.append((args[0].detach().clone(), args[1]))

    model.decoder.register_forward_pre_hook(hook)
    return calls


def test_seq2seq_context_is_the_same_at_every_greedy_decoder_step(cell):
    torch.manual_seed(0)
    model = Seq2Seq(V, V, E, H, cell=cell).double()
    src = padded_tokens([5, 2, 3])
    context = model.encode(src)
    calls = _record_decoder_inputs(model)
    model.generate(src, bos_index=BOS, eos_index=V + 1, max_len=5)  # never stops early
    assert len(calls) == 5
    for step_input, _ in calls:
        assert step_input.shape == (B, 1, E + H)
        assert torch.equal(step_input[:, 0, E:], context)  # exactly the encoder's context
    # while the decoder's own state evolves from step to step
    hidden = [top_hidden(state) for _, state in calls]
    assert torch.equal(hidden[0], context)
    assert all(not torch.allclose(a, b) for a, b in zip(hidden, hidden[1:], strict=False))


def test_seq2seq_context_is_the_same_at_every_teacher_forced_step(cell):
    torch.manual_seed(0)
    model = Seq2Seq(V, V, E, H, cell=cell).double()
    src, tgt_in = padded_tokens([5, 2, 3]), padded_tokens([S] * B, T=S, seed=1)
    calls = _record_decoder_inputs(model)
    model(src, tgt_in)
    (step_inputs, _), context = calls[0], model.encode(src)
    for t in range(S):
        assert torch.equal(step_inputs[:, t, E:], context)


# --- teacher forcing and greedy decoding --------------------------------------------------------


def test_shift_right_puts_bos_first_and_drops_the_last_target():
    targets = torch.tensor([[5, 6, 2], [7, 2, 0]])
    assert shift_right(targets, BOS).tolist() == [[1, 5, 6], [1, 7, 2]]


@pytest.mark.parametrize("kind", ["one-to-many", "seq2seq"])
def test_teacher_forcing_feeds_the_shifted_targets(kind, cell):
    torch.manual_seed(0)
    targets = padded_tokens([S] * B, T=S, seed=2)
    if kind == "one-to-many":
        model = OneToMany(D, V, E, H, cell=cell).double()
        x = torch.randn(B, D, dtype=torch.float64)
        state, embed = model.start(x), model.embed
        step = model.step
    else:
        model = Seq2Seq(V, V, E, H, cell=cell).double()
        x = padded_tokens([5, 2, 3])
        context = model.encode(x)
        state, embed = model.start(context), model.tgt_embed

        def step(tokens, state):
            logits, state = model.decode(tokens.unsqueeze(1), context, state)
            return logits[:, 0], state

    seen = []
    embed.register_forward_hook(lambda module, args, out: seen.append(args[0].clone()))
    one_call = model(x, shift_right(targets, BOS))
    assert torch.equal(seen[-1], shift_right(targets, BOS))  # <bos>, then the targets
    step_by_step = teacher_forcing(step, state, targets, BOS)
    torch.testing.assert_close(one_call, step_by_step, rtol=1e-12, atol=1e-12)
    # the inputs of steps 1..S-1 are the targets, not the model's own guesses
    fed = torch.stack([s.flatten() for s in seen[-S:]], dim=1)
    assert torch.equal(fed[:, 1:], targets[:, :-1])


def test_greedy_decoding_equals_stepping_argmax_by_hand(cell):
    torch.manual_seed(0)
    model = Seq2Seq(V, V, E, H, cell=cell).double()
    src = padded_tokens([5, 2, 3])
    generated = model.generate(src, bos_index=BOS, eos_index=V + 1, max_len=6)
    context = model.encode(src)
    state, token, by_hand = model.start(context), torch.full((B,), BOS), []
    for _ in range(6):
        logits, state = model.decode(token[:, None], context, state)
        token = logits[:, 0].argmax(-1)
        by_hand.append(token)
    assert torch.equal(generated, torch.stack(by_hand, dim=1))


def test_one_to_many_greedy_decoding_equals_stepping_argmax_by_hand(cell):
    torch.manual_seed(0)
    model = OneToMany(D, V, E, H, cell=cell).double()
    x = torch.randn(B, D, dtype=torch.float64)
    generated = model.generate(x, bos_index=BOS, eos_index=V + 1, max_len=5)
    state, token, by_hand = model.start(x), torch.full((B,), BOS), []
    for _ in range(5):
        logits, state = model.step(token, state)
        token = logits.argmax(-1)
        by_hand.append(token)
    assert torch.equal(generated, torch.stack(by_hand, dim=1))


def _scripted_step(script, V=6):
    """A step whose logits point at script[b][t] for row b at step t; the state counts steps."""

    def step(tokens, t):
        logits = torch.zeros(len(script), V, dtype=torch.float64)
        for b, row in enumerate(script):
            logits[b, row[min(t, len(row) - 1)]] = 1.0
        return logits, t + 1

    return step


def test_greedy_decode_stops_when_every_row_has_ended_and_pads_after_eos():
    step = _scripted_step([[4, 2, 5, 5, 5], [5, 4, 3, 2, 5]])
    tokens, logits = greedy_decode(step, 0, torch.full((2,), BOS), max_len=10, eos_index=EOS)
    assert tokens.tolist() == [[4, 2, 0, 0], [5, 4, 3, 2]]
    assert logits.shape == (2, 4, 6)
    tokens, _ = greedy_decode(step, 0, torch.full((2,), BOS), max_len=3, eos_index=EOS)
    assert tokens.tolist() == [[4, 2, 0], [5, 4, 3]]
    with pytest.raises(ValueError, match="max_len must be positive, got 0"):
        greedy_decode(step, 0, torch.full((2,), BOS), max_len=0)
    with pytest.raises(ValueError, match=r"start_tokens must be .* \(batch,\), got \(2, 1\)"):
        greedy_decode(step, 0, torch.full((2, 1), BOS), max_len=3)


def test_greedy_decode_feeds_back_its_own_argmax():
    fed = []

    def step(tokens, state):
        fed.append(tokens.tolist())
        logits = torch.nn.functional.one_hot((tokens + 1) % 5, 5).double()
        return logits, state

    tokens, _ = greedy_decode(step, None, torch.tensor([0, 3]), max_len=3)
    assert fed == [[0, 3], [1, 4], [2, 0]]
    assert tokens.tolist() == [[1, 2, 3], [4, 0, 1]]


# --- losses, metrics, training ------------------------------------------------------------------


def test_sequence_loss_ignores_padding():
    logits = torch.randn(2, 3, 5, dtype=torch.float64)
    targets = torch.tensor([[4, 2, 0], [3, 0, 0]])
    expected = torch.stack(
        [
            torch.nn.functional.cross_entropy(logits[b, t], targets[b, t])
            for b, t in [(0, 0), (0, 1), (1, 0)]
        ]
    ).mean()
    torch.testing.assert_close(sequence_loss(logits, targets), expected)
    with pytest.raises(ValueError, match=r"matching targets \(2, 3\), got \(2, 5\)"):
        sequence_loss(logits[:, 0], targets)


def test_sequence_accuracy_counts_tokens_and_whole_sequences():
    targets = torch.tensor([[4, 5, 2], [3, 2, 0]])
    assert sequence_accuracy(torch.tensor([[4, 5, 2], [3, 4, 2]]), targets) == (0.8, 0.5)
    assert sequence_accuracy(torch.tensor([[4, 5], [3, 2]]), targets) == (0.8, 0.5)  # too short
    assert sequence_accuracy(torch.tensor([[4, 5, 2, 0], [3, 2, 0, 0]]), targets) == (1.0, 1.0)


def test_tuple_input_trains_the_wrapped_model():
    model = Seq2Seq(V, V, E, H, cell=nn.GRU)
    wrapped = TupleInput(model)
    assert list(wrapped.parameters()) == list(model.parameters())
    src = padded_tokens([5, 2, 3])
    torch.testing.assert_close(wrapped((src, src[:, :S])), model(src, src[:, :S]))


@pytest.mark.parametrize("cell", [GRU, nn.LSTM], ids=["course-GRU", "torch-LSTM"])
def test_seq2seq_learns_to_reverse_three_tokens_in_a_few_hundred_steps(cell):
    def batches(g):
        src = torch.randint(3, 7, (32, 3), generator=g)
        tgt = torch.cat([src.flip(1), torch.full((32, 1), EOS)], dim=1)
        return (src, shift_right(tgt, BOS)), tgt

    torch.manual_seed(0)
    model = Seq2Seq(7, 7, 8, 24, cell=cell)
    history = fit(
        TupleInput(model), batches, steps=250, lr=2e-2, loss_fn=sequence_loss, progress=False
    )
    assert history.loss[-1] < 0.2 * history.loss[0]
    (src, _), tgt = batches(torch.Generator().manual_seed(99))
    predicted = model.generate(src, bos_index=BOS, eos_index=EOS, max_len=5)
    assert sequence_accuracy(predicted, tgt)[1] > 0.9
