"""Synthetic tasks that test what a sequence model can and cannot do.

Each generator is seeded and returns tokenised inputs and integer labels, so a
notebook can rebuild the same data set on any machine without downloads.
"""

from __future__ import annotations

import torch

from .data import ACTIVITIES, CONNECTIVE, TIME_WORDS

ACTIVITY_NAMES = tuple(ACTIVITIES)


def which_came_first(
    n: int, *, time_words: tuple[int, int] = (0, 0), seed: int = 0
) -> tuple[list[list[str]], torch.Tensor]:
    """Sentences "[time words] A 그래서 B" labelled with the activity done FIRST (A).

    "밥을 먹었다 그래서 공부를 했다" -> 먹다, "공부를 했다 그래서 밥을 먹었다" -> 공부하다:
    the same words in another order have another label, so a model must read
    the order. ``time_words=(lo, hi)`` puts lo..hi words such as "어제" in front,
    which shifts every later word to a later position.

    Returns:
        sentences: n token lists; labels: LongTensor (n,) indexing ``ACTIVITY_NAMES``.
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    lo, hi = time_words
    if not 0 <= lo <= hi <= len(TIME_WORDS):
        raise ValueError(
            f"time_words must satisfy 0 <= lo <= hi <= {len(TIME_WORDS)}, got {time_words}"
        )
    g = torch.Generator().manual_seed(seed)
    time_vocab = list(TIME_WORDS)

    def pick(options):
        return options[int(torch.randint(len(options), (1,), generator=g))]

    sentences, labels = [], []
    for _ in range(n):
        first = int(torch.randint(len(ACTIVITY_NAMES), (1,), generator=g))
        second = int(torch.randint(len(ACTIVITY_NAMES) - 1, (1,), generator=g))
        second += second >= first  # a different activity
        k = int(torch.randint(lo, hi + 1, (1,), generator=g))
        words = [time_vocab[j] for j in torch.randperm(len(time_vocab), generator=g)[:k].tolist()]
        for a in (first, second):
            objects, verb, _ = ACTIVITIES[ACTIVITY_NAMES[a]]
            words += [pick(list(objects)), verb]
        words.insert(len(words) - 2, CONNECTIVE[0])  # A 그래서 B
        sentences.append(words)
        labels.append(first)
    return sentences, torch.tensor(labels, dtype=torch.long)


def adding_problem(
    n: int, length: int, *, generator: torch.Generator | None = None, seed: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem: add the two marked numbers of a long sequence.

    Each step carries (value, marker): values are uniform in [0, 1), and exactly
    one step in the first half and one in the second half are marked 1. The
    target is the sum of the two marked values, so the first one lies up to
    ``length`` steps back from where the answer is read: the lecture's "어떤
    입력의 정보가 사용되는 시점이 차이가 많이 날 경우". Always predicting 1.0 scores
    MSE = 1/6 ≈ 0.167 (the variance of a sum of two uniforms).

    Returns:
        x: (n, T, 2) float; y: (n,) float.
    """
    if length < 2:
        raise ValueError(f"length must be at least 2 (one marker per half), got {length}")
    if generator is None:
        generator = torch.Generator().manual_seed(0 if seed is None else seed)
    values = torch.rand(n, length, generator=generator)
    half = length // 2
    first = torch.randint(half, (n,), generator=generator)
    second = half + torch.randint(length - half, (n,), generator=generator)
    markers = torch.zeros(n, length)
    rows = torch.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=-1)
    y = values[rows, first] + values[rows, second]
    return x, y


def adding_batches(length: int, batch_size: int = 64):
    """A batch maker for ``training.fit``: a fresh adding-problem batch (B, T, 2), (B,) per step."""

    def make(g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        return adding_problem(batch_size, length, generator=g)

    return make
