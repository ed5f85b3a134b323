"""Exercises of notebook 04 (입력/출력층에 따른 종류): padding, teacher forcing, greedy decoding."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from course_lib.checks.encoding import DecoderStep
from course_lib.padding import last_valid
from course_lib.topologies import greedy_decode, shift_right, teacher_forcing

from .spec import Exercise, Hint, register

# --- last_valid_state: the many-to-one read-out of a padded batch ---------------------------------


def _padded_outputs(rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs (B, T, H) float64 and lengths (B,) long; row 0 is full, row 1 is padded."""
    B, T, H = int(rng.integers(3, 7)), int(rng.integers(3, 9)), int(rng.integers(2, 6))
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0], lengths[1] = T, int(rng.integers(1, T))
    outputs = torch.from_numpy(rng.standard_normal((B, T, H)))
    return outputs, torch.from_numpy(lengths).long()


def last_valid_state_reference(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row's output at its last valid step: outputs (B, T, H), lengths (B,) -> (B, H)."""
    return last_valid(outputs, lengths)


def _reads_the_padding(outputs, lengths):
    return outputs[:, -1]


def _every_length_for_every_row(outputs, lengths):
    return outputs[:, lengths - 1]


# --- a random one-step decoder for the two decoding loops -----------------------------------------


def _random_step(rng: np.random.Generator, V: int, H: int) -> DecoderStep:
    """A tiny float64 RNN decoder step: tokens (B,), state (B, H) -> (logits (B, V), state)."""
    embed = torch.from_numpy(rng.standard_normal((V, H)))
    W = torch.from_numpy(rng.standard_normal((H, H)) / np.sqrt(H))
    U = torch.from_numpy(rng.standard_normal((H, V)) * 2.0)
    return DecoderStep(embed, W, U)


def _decoder_inputs(rng: np.random.Generator):
    B, V, H = int(rng.integers(2, 6)), int(rng.integers(5, 10)), int(rng.integers(3, 7))
    state = torch.from_numpy(rng.standard_normal((B, H)))
    return _random_step(rng, V, H), state, B, V


def _teacher_forcing_inputs(rng: np.random.Generator):
    step, state, B, V = _decoder_inputs(rng)
    targets = torch.from_numpy(rng.integers(3, V, size=(B, int(rng.integers(3, 7))))).long()
    return step, state, targets, 1


def teacher_forcing_reference(step, state, targets, bos_index):
    """Logits (B, S, V) of a decoder fed <bos>, then targets[:, t-1] at step t."""
    return teacher_forcing(step, state, targets, bos_index)


def _run(step, state, inputs, carry_state=True):
    logits, start = [], state
    for t in range(inputs.shape[1]):
        out, new_state = step(inputs[:, t], state)
        state = new_state if carry_state else start
        logits.append(out)
    return torch.stack(logits, dim=1)


def _tf_not_shifted(step, state, targets, bos_index):
    return _run(step, state, targets)


def _tf_own_predictions(step, state, targets, bos_index):
    return greedy_decode(step, state, torch.full_like(targets[:, 0], bos_index), targets.shape[1])[
        1
    ]


def _tf_state_not_carried(step, state, targets, bos_index):
    return _run(step, state, shift_right(targets, bos_index), carry_state=False)


def _greedy_inputs(rng: np.random.Generator):
    """A random step and start tokens whose first prediction is not the start token everywhere."""
    while True:
        step, state, B, V = _decoder_inputs(rng)
        start = torch.from_numpy(rng.integers(0, V, size=B)).long()
        if not torch.equal(step(start, state)[0].argmax(dim=-1), start):
            return step, state, start, int(rng.integers(3, 7))


def greedy_reference(step, state, start_tokens, max_len):
    """Logits (B, max_len, V) of greedy decoding: each step's argmax is the next step's input."""
    return greedy_decode(step, state, start_tokens, max_len)[1]


def _greedy_never_feeds_back(step, state, start_tokens, max_len):
    return _run(step, state, start_tokens[:, None].expand(-1, max_len))


def _greedy_state_not_carried(step, state, start_tokens, max_len):
    token, logits = start_tokens, []
    for _ in range(max_len):
        out, _ = step(token, state)
        token = out.argmax(dim=-1)
        logits.append(out)
    return torch.stack(logits, dim=1)


register(
    Exercise(
        name="last_valid_state",
        points=2,
        reference=last_valid_state_reference,
        make_inputs=_padded_outputs,
        arg_names=("outputs", "lengths"),
        mistakes=(
            (
                _reads_the_padding,
                Hint(
                    "outputs[:, -1] is the last column, which a shorter sentence reaches only after "
                    "reading <pad>: take row b at step lengths[b] - 1.",
                    "`outputs[:, -1]`은 마지막 열이라서, 짧은 문장은 <pad>를 읽은 뒤에야 그곳에 닿습니다: 행 b는 시점 lengths[b] - 1에서 가져오세요.",
                ),
            ),
            (
                _every_length_for_every_row,
                Hint(
                    "outputs[:, lengths - 1] picks every row's step for every row (B, B, H): index "
                    "batch and time together, outputs[torch.arange(B), lengths - 1].",
                    "`outputs[:, lengths - 1]`은 모든 행에서 모든 행의 시점을 골라 (B, B, H)가 됩니다: 배치와 시간을 함께 인덱싱하세요, `outputs[torch.arange(B), lengths - 1]`.",
                ),
            ),
        ),
    )
)

register(
    Exercise(
        name="teacher_forcing",
        points=2,
        reference=teacher_forcing_reference,
        make_inputs=_teacher_forcing_inputs,
        arg_names=("step", "state", "targets", "bos_index"),
        mistakes=(
            (
                _tf_not_shifted,
                Hint(
                    "step t must read the PREVIOUS target, targets[:, t-1] (and <bos> at t = 0); "
                    "feeding targets[:, t] shows the decoder the answer it should predict.",
                    "시점 t는 이전 목표 토큰 `targets[:, t-1]`을 읽어야 합니다(t = 0에서는 <bos>): `targets[:, t]`를 넣으면 디코더에게 맞혀야 할 정답을 보여 주게 됩니다.",
                ),
            ),
            (
                _tf_own_predictions,
                Hint(
                    "teacher forcing feeds the TARGET tokens, not the decoder's own argmax "
                    "(that is greedy decoding).",
                    "교사 강요는 디코더 자신의 argmax가 아니라 목표 토큰을 넣습니다(그것은 탐욕적 디코딩입니다).",
                ),
            ),
            (
                _tf_state_not_carried,
                Hint(
                    "pass the state that each step returns into the next step; the decoder "
                    "restarted from the initial state at every step.",
                    "각 시점에 `step`이 반환한 상태를 다음 시점에 넘기세요: 지금은 디코더가 매 시점 초기 상태에서 다시 시작합니다.",
                ),
            ),
        ),
    )
)

register(
    Exercise(
        name="greedy_decode",
        points=2,
        reference=greedy_reference,
        make_inputs=_greedy_inputs,
        arg_names=("step", "state", "start_tokens", "max_len"),
        mistakes=(
            (
                _greedy_never_feeds_back,
                Hint(
                    "after the first step, feed each step's argmax token (logits.argmax(-1)) into "
                    "the next step instead of the start tokens again.",
                    "첫 시점 뒤에는 시작 토큰을 다시 넣지 말고, 각 시점의 argmax 토큰(`logits.argmax(-1)`)을 다음 시점에 넣으세요.",
                ),
            ),
            (
                _greedy_state_not_carried,
                Hint(
                    "pass the state that each step returns into the next step; the decoder "
                    "restarted from the initial state at every step.",
                    "각 시점에 `step`이 반환한 상태를 다음 시점에 넘기세요: 지금은 디코더가 매 시점 초기 상태에서 다시 시작합니다.",
                ),
            ),
        ),
    )
)


# --- beam_search: the main exercise, a width-2 beam search over a decoder step --------------------
# One sentence: the decoder's state is (1, H); V tokens; ``steps`` tokens are decoded (no <eos>).

WIDTH = 2


def _beam(step, state, start_token, steps, *, score="log_softmax", cumulative=True, reorder=True,
          width=WIDTH):  # fmt: skip
    """Beam search with switches; each switch turned the wrong way is a mistake below.

    Returns (the best hypothesis's per-step scores (steps,) float64, its tokens (steps,) long, the
    smallest gap, over all steps, between the last candidate kept and the first one dropped).
    """
    # A hypothesis: (its rank score, its per-step scores, its tokens, its state (1, H), next input).
    beams = [(state.new_zeros(()), [], [], state, int(start_token))]
    gap = float("inf")
    for _ in range(steps):
        tokens = torch.tensor([b[4] for b in beams])
        logits, new_states = step(tokens, torch.cat([b[3] for b in beams]))  # (n, V), (n, H)
        step_scores = logits if score == "logits" else torch.log_softmax(logits, dim=-1)
        before = torch.stack([b[0] for b in beams])[:, None] if cumulative else 0.0
        total = (before + step_scores).flatten()  # every extension of every hypothesis
        order = total.argsort(descending=True)
        if len(order) > width:
            gap = min(gap, float(total[order[width - 1]] - total[order[width]]))
        V = step_scores.shape[1]
        beams = [
            (total[i], [*beams[i // V][1], step_scores[i // V, i % V]], [*beams[i // V][2], i % V],
             new_states[j : j + 1], i % V)
            for k, i in enumerate(order[:width].tolist())
            for j in [i // V if reorder else min(k, len(beams) - 1)]
        ]  # fmt: skip
    best = max(beams, key=lambda b: float(b[0]))
    return torch.stack(best[1]), torch.tensor(best[2]), gap


def beam_search_reference(step, state, start_token, steps):
    """Width-2 beam search: the most likely sequence it keeps, and its tokens' log-probabilities.

    step(tokens (n,) long, state (n, H)) -> (logits (n, V), new state (n, H)); state (1, H);
    start_token int, the first input; steps int >= 1. Returns (log_probs, tokens) of the hypothesis
    with the highest total log-probability after ``steps`` steps, like torch.topk's (values,
    indices): log_probs (steps,) float64, log_softmax(logits)[token] at each step; tokens (steps,)
    long.
    """
    return _answer(_beam(step, state, start_token, steps))


def _answer(found):
    log_probs, tokens, _ = found
    return log_probs, tokens


def _beam_greedy(step, state, start_token, steps):
    return _answer(_beam(step, state, start_token, steps, width=1))


def _beam_raw_logits(step, state, start_token, steps):
    return _answer(_beam(step, state, start_token, steps, score="logits"))


def _beam_last_step_only(step, state, start_token, steps):
    return _answer(_beam(step, state, start_token, steps, cumulative=False))


def _beam_states_not_reordered(step, state, start_token, steps):
    return _answer(_beam(step, state, start_token, steps, reorder=False))


BEAM_MISTAKES = (
    (
        _beam_greedy,
        Hint(
            "that is greedy decoding's sequence: at every step, pool the extensions of both "
            "hypotheses (2 x V candidates) and keep the 2 with the highest total log-probability "
            "(extending each hypothesis by its own best token, or starting from two copies of the "
            "start, usually ends in greedy's sequence).",
            "이것은 탐욕적 디코딩의 시퀀스입니다: 매 시점 두 가설의 확장(2 x V개 후보)을 한데 모아 총 로그 확률이 가장 높은 2개를 남기세요(각 가설을 자기 최선의 토큰으로만 늘리거나 시작 토큰 두 개에서 출발하면, 대개 탐욕적 디코딩의 시퀀스가 됩니다).",
        ),
    ),
    (
        _beam_raw_logits,
        Hint(
            "rank by log-probabilities, log_softmax(logits), not by raw logits: each state's logits "
            "have their own offset, so sums of logits from different states do not compare.",
            "날것의 로짓이 아니라 로그 확률 `log_softmax(logits)`로 순위를 매기세요: 상태마다 로짓의 기준값이 달라서, 서로 다른 상태에서 온 로짓의 합은 비교할 수 없습니다.",
        ),
    ),
    (
        _beam_last_step_only,
        Hint(
            "a hypothesis's score is the SUM of its steps' log-probabilities: add each step's "
            "log_softmax to the score so far instead of ranking by the last step alone.",
            "가설의 점수는 각 시점 로그 확률의 합입니다: 마지막 시점만으로 순위를 매기지 말고, 매 시점의 `log_softmax`를 지금까지의 점수에 더하세요.",
        ),
    ),
    (
        _beam_states_not_reordered,
        Hint(
            "each kept hypothesis must carry the new state of the hypothesis it extends (both winners "
            "may extend the same one), not the state at its own position in the beam.",
            "남긴 가설은 빔에서 자기 자리에 있던 상태가 아니라, 자신이 확장한 가설의 새 상태를 가져가야 합니다(두 승자가 같은 가설을 확장할 수도 있습니다).",
        ),
    ),
)


def _beam_inputs(rng: np.random.Generator):
    """A random one-sentence decoder on which the beam's answer and the known mistakes' answers
    all differ from each other, with no near-tie between a kept and a dropped candidate."""
    while True:
        V, H, steps = int(rng.integers(4, 8)), int(rng.integers(3, 7)), int(rng.integers(3, 7))
        embed = torch.from_numpy(rng.standard_normal((V, H)))
        W = torch.from_numpy(rng.standard_normal((H, H)) / np.sqrt(H))
        U = torch.from_numpy(rng.standard_normal((H, V)) * 1.5)
        step = DecoderStep(embed, W, U)
        state = torch.from_numpy(rng.standard_normal((1, H)))
        start = int(rng.integers(0, V))
        log_probs, tokens, gap = _beam(step, state, start, steps)
        if gap < 1e-6:
            continue
        answers = [(log_probs, tokens)]
        answers += [buggy(step, state, start, steps) for buggy, _ in BEAM_MISTAKES]
        if all(_differ(a, b) for a, b in itertools.combinations(answers, 2)):
            return step, state, start, steps


def _differ(a, b) -> bool:
    """Two (log_probs, tokens) answers that a check tells apart."""
    return not torch.equal(a[1], b[1]) or not torch.allclose(a[0], b[0], rtol=1e-4, atol=1e-6)


register(
    Exercise(
        name="beam_search",
        points=5,
        reference=beam_search_reference,
        make_inputs=_beam_inputs,
        arg_names=("step", "state", "start_token", "steps"),
        mistakes=BEAM_MISTAKES,
    )
)
