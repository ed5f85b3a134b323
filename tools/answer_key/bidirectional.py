"""Exercises of notebook 03 (bidirectional RNN): reversing a padded batch, merging directions, and
the bidirectional pass over a padded batch with lengths (the main exercise)."""

from __future__ import annotations

import numpy as np
import torch

from course_lib.padding import reverse_padded

from .spec import Exercise, register


def _padded_batch(rng: np.random.Generator):
    """x (B, T, F) float64 right-padded with zeros, lengths (B,) with at least one short row."""
    B, T, F = int(rng.integers(3, 6)), int(rng.integers(4, 9)), int(rng.integers(1, 4))
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0], lengths[1] = T, int(rng.integers(1, T))
    x = torch.tensor(rng.normal(size=(B, T, F)))
    x[torch.arange(T)[None, :] >= torch.tensor(lengths)[:, None]] = 0.0
    return x, torch.tensor(lengths)


def _merge_inputs(rng: np.random.Generator):
    B, T, H = int(rng.integers(2, 5)), int(rng.integers(3, 7)), int(rng.integers(2, 5))
    return torch.tensor(rng.normal(size=(B, T, H))), torch.tensor(rng.normal(size=(B, T, H)))


def reverse_padded_reference(x, lengths):
    """x (B, T, F) with each row reversed within its length; the padding stays at the end."""
    return reverse_padded(x, lengths)  # called from the answer key, which the call watch trusts


def merge_directions_reference(forward_out, backward_out_reversed):
    """Bidirectional output (B, T, 2H): forward h_t next to the backward pass's h_t for the same t."""
    return torch.cat([forward_out, backward_out_reversed.flip(1)], dim=2)


register(
    Exercise(
        name="reverse_padded",
        points=2,
        reference=reverse_padded_reference,
        make_inputs=_padded_batch,
        arg_names=("x", "lengths"),
        mistakes=(
            (
                lambda x, lengths: x.flip(1),
                "reverse each row only within its length: flipping the whole row puts the padding first.",
            ),
            (
                lambda x, lengths: x.flip(0),
                "reverse along time (dim 1), not along the batch (dim 0).",
            ),
        ),
    )
)

register(
    Exercise(
        name="merge_directions",
        points=2,
        reference=merge_directions_reference,
        make_inputs=_merge_inputs,
        arg_names=("forward_out", "backward_out_reversed"),
        mistakes=(
            (
                lambda f, b: torch.cat([f, b], dim=2),
                "the backward pass ran over the reversed sentence: flip its outputs back in time before joining them.",
            ),
            (
                lambda f, b: torch.cat([b.flip(1), f], dim=2),
                "torch puts the forward direction first: cat([forward, backward], dim=2).",
            ),
        ),
    )
)


# --- bidirectional_padded: the main exercise ------------------------------------------------------
# B sentences, T steps, I input features, H units per direction. Each direction's weights come as a
# tuple (W_ih (H, I), W_hh (H, H), b_ih (H,), b_hh (H,)): nn.RNN's weight_ih_l0, weight_hh_l0,
# bias_ih_l0, bias_hh_l0, and the same with the suffix _reverse for the backward direction.


def _bidirectional_inputs(rng: np.random.Generator):
    """x (B, T, I) float64 right-padded with zeros, lengths (B,) long, forward and backward weights.

    Row 0 is full, row 1 is shorter (so padding always matters), the others anything in 1..T.
    """
    B, T = int(rng.integers(3, 6)), int(rng.integers(4, 9))
    I, H = int(rng.integers(1, 5)), int(rng.integers(2, 6))
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0], lengths[1] = T, int(rng.integers(1, T))
    x = torch.from_numpy(rng.normal(size=(B, T, I)))
    x[torch.arange(T)[None, :] >= torch.from_numpy(lengths)[:, None]] = 0.0
    forward, backward = (
        tuple(
            torch.from_numpy(rng.normal(0.0, 0.6, size=shape)) for shape in ((H, I), (H, H), H, H)
        )
        for _ in range(2)
    )
    return x, torch.from_numpy(lengths).long(), forward, backward


def _states(x_row, weights, order, both_biases=True):
    """One direction's states over the steps ``order`` of one sentence x_row (T, I): {t: h_t (H,)}."""
    W_ih, W_hh, b_ih, b_hh = weights
    b = b_ih + (b_hh if both_biases else 0.0)
    h, states = torch.zeros(W_hh.shape[0], dtype=x_row.dtype), {}
    for t in order:
        # h_t = tanh(W_ih x_t + b_ih + W_hh h_prev + b_hh)
        h = torch.tanh(W_ih @ x_row[t] + W_hh @ h + b)
        states[t] = h
    return states


def _bidirectional(x, lengths, forward, backward, *, backward_from="last valid",
                   zero_padding=True, realign=True, both_biases=True, forward_first=True):  # fmt: skip
    """The reference with switches; each switch turned the wrong way is a mistake below."""
    B, T, _ = x.shape
    H = forward[1].shape[0]
    out = x.new_zeros(B, T, 2 * H)
    first, second = (slice(0, H), slice(H, 2 * H))
    if not forward_first:
        first, second = second, first
    for b in range(B):
        n = int(lengths[b])
        if backward_from == "last valid":  # reversed within its length, the padding after it
            order = [*range(n - 1, -1, -1), *range(n, T)]
        else:  # the whole row flipped: the padding first
            order = list(range(T - 1, -1, -1))
        fwd = _states(x[b], forward, range(T), both_biases)
        bwd = _states(x[b], backward, order, both_biases)
        if not realign:  # left in the order it was computed: step k holds the k-th state
            bwd = dict(zip(range(T), bwd.values(), strict=True))
        for t in range(T if not zero_padding else n):
            out[b, t, first] = fwd[t]
            out[b, t, second] = bwd[t]
    return out


def bidirectional_padded_reference(x, lengths, forward, backward):
    """The bidirectional tanh RNN's outputs over a right-padded batch, as nn.RNN on a packed batch.

    x: (B, T, I) right-padded; lengths: (B,) long, 1 <= lengths[b] <= T; forward, backward: each
    direction's (W_ih (H, I), W_hh (H, H), b_ih (H,), b_hh (H,)). Returns (B, T, 2H): at a valid
    step t of row b, [forward h_t ; backward h_t], where the forward pass has read words 0..t and
    the backward pass, starting at the row's last valid word, words lengths[b]-1 down to t; zeros
    at padding. Equal to nn.RNN(bidirectional=True) over pack_padded_sequence, then
    pad_packed_sequence.
    """
    return _bidirectional(x, lengths, forward, backward)


def _copied_cell(x, lengths, forward, backward):
    return _bidirectional(x, lengths, forward, backward, backward_from="end", zero_padding=False)


def _padding_not_zeroed(x, lengths, forward, backward):
    return _bidirectional(x, lengths, forward, backward, zero_padding=False)


def _backward_starts_at_padding(x, lengths, forward, backward):
    return _bidirectional(x, lengths, forward, backward, backward_from="end")


def _forward_weights_both_ways(x, lengths, forward, backward):
    return _bidirectional(x, lengths, forward, forward)


def _backward_not_realigned(x, lengths, forward, backward):
    return _bidirectional(x, lengths, forward, backward, realign=False)


def _one_bias(x, lengths, forward, backward):
    return _bidirectional(x, lengths, forward, backward, both_biases=False)


def _backward_first(x, lengths, forward, backward):
    return _bidirectional(x, lengths, forward, backward, forward_first=False)


register(
    Exercise(
        name="bidirectional_padded",
        points=5,
        reference=bidirectional_padded_reference,
        make_inputs=_bidirectional_inputs,
        arg_names=("x", "lengths", "forward", "backward"),
        mistakes=(
            (
                _copied_cell,
                "that is section 1's full-length pass: on a padded batch the backward direction "
                "must start at each row's last valid word, not at <pad>, and the padded steps "
                "output zeros.",
            ),
            (
                _backward_starts_at_padding,
                "your backward direction starts at step T-1, in the padding: start it at each "
                "row's last valid word, x[b, lengths[b]-1] (reverse each row within its length).",
            ),
            (
                _padding_not_zeroed,
                "the outputs at padded steps (t >= lengths[b]) must be zeros in both directions, "
                "as torch's pad_packed_sequence returns them.",
            ),
            (
                _backward_not_realigned,
                "your backward outputs are in the order they were computed: put the state that "
                "read word t at step t (flip back within each row's length).",
            ),
            (
                _forward_weights_both_ways,
                "the backward direction has its own weights: run it with `backward`, not `forward`.",
            ),
            (
                _one_bias,
                "an RNN step adds both biases, b_ih and b_hh: tanh(W_ih x + b_ih + W_hh h + b_hh).",
            ),
            (
                _backward_first,
                "torch puts the forward direction first: [forward h_t ; backward h_t].",
            ),
        ),
        forbidden=(
            "torch.nn.RNN",
            "torch.nn.RNNCell",
            "torch.nn.RNNBase",
            "torch.rnn_tanh",
            "torch.rnn_tanh_cell",
            "torch.nn.utils.rnn.pack_padded_sequence",
            "torch.nn.utils.rnn.pad_packed_sequence",
        ),
    )
)
