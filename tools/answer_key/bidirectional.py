"""Exercises of notebook 03 (bidirectional RNN): reversing a padded batch, merging directions, and
the bidirectional pass over a padded batch with lengths (the main exercise)."""

from __future__ import annotations

import numpy as np
import torch

from course_lib.padding import reverse_padded

from .spec import Exercise, Hint, register


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
                Hint(
                    "reverse each row only within its length: flipping the whole row puts the padding first.",
                    "각 행은 자기 길이 안에서만 뒤집으세요: 행 전체를 뒤집으면 패딩이 앞으로 옵니다.",
                ),
            ),
            (
                lambda x, lengths: x.flip(0),
                Hint(
                    "reverse along time (dim 1), not along the batch (dim 0).",
                    "배치 축(dim 0)이 아니라 시간 축(dim 1)을 따라 뒤집으세요.",
                ),
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
                Hint(
                    "the backward pass ran over the reversed sentence: flip its outputs back in time before joining them.",
                    "역방향 패스는 뒤집힌 문장 위에서 실행되었습니다: 이어 붙이기 전에 그 출력을 시간 축에서 다시 뒤집으세요.",
                ),
            ),
            (
                lambda f, b: torch.cat([b.flip(1), f], dim=2),
                Hint(
                    "torch puts the forward direction first: cat([forward, backward], dim=2).",
                    "torch는 순방향을 앞에 둡니다: `cat([forward, backward], dim=2)`.",
                ),
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
                Hint(
                    "that is section 1's full-length pass: on a padded batch the backward direction "
                    "must start at each row's last valid word, not at <pad>, and the padded steps "
                    "output zeros.",
                    "이것은 1절의 전체 길이 패스입니다: 패딩된 배치에서 역방향은 <pad>가 아니라 각 행의 마지막 유효 단어에서 시작해야 하고, 패딩된 시점의 출력은 0입니다.",
                ),
            ),
            (
                _backward_starts_at_padding,
                Hint(
                    "your backward direction starts at step T-1, in the padding: start it at each "
                    "row's last valid word, x[b, lengths[b]-1] (reverse each row within its length).",
                    "역방향이 패딩 속의 시점 T-1에서 시작합니다: 각 행의 마지막 유효 단어 `x[b, lengths[b]-1]`에서 시작하세요(각 행을 자기 길이 안에서 뒤집으세요).",
                ),
            ),
            (
                _padding_not_zeroed,
                Hint(
                    "the outputs at padded steps (t >= lengths[b]) must be zeros in both directions, "
                    "as torch's pad_packed_sequence returns them.",
                    "패딩된 시점(t >= lengths[b])의 출력은 torch의 `pad_packed_sequence`가 돌려주듯 두 방향 모두 0이어야 합니다.",
                ),
            ),
            (
                _backward_not_realigned,
                Hint(
                    "your backward outputs are in the order they were computed: put the state that "
                    "read word t at step t (flip back within each row's length).",
                    "역방향 출력이 계산된 순서 그대로입니다: 단어 t를 읽은 상태를 시점 t에 놓으세요(각 행의 길이 안에서 다시 뒤집으세요).",
                ),
            ),
            (
                _forward_weights_both_ways,
                Hint(
                    "the backward direction has its own weights: run it with `backward`, not `forward`.",
                    "역방향에는 자체 가중치가 있습니다: `forward`가 아니라 `backward`로 실행하세요.",
                ),
            ),
            (
                _one_bias,
                Hint(
                    "an RNN step adds both biases, b_ih and b_hh: tanh(W_ih x + b_ih + W_hh h + b_hh).",
                    "RNN 셀은 두 편향 `b_ih`와 `b_hh`를 모두 더합니다: tanh(W_ih x + b_ih + W_hh h + b_hh).",
                ),
            ),
            (
                _backward_first,
                Hint(
                    "torch puts the forward direction first: [forward h_t ; backward h_t].",
                    "torch는 순방향을 앞에 둡니다: [forward h_t ; backward h_t].",
                ),
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
