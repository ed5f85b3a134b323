"""Synthetic tasks that test what a sequence model can and cannot do.

Each generator is seeded and returns tokenised inputs and integer labels, so a
notebook can rebuild the same data set on any machine without downloads.

Contents, top-down: sentences of the course grammar (``data``) whose label needs the word order
(``which_came_first``), a word that comes later (``what_is_it``) or both directions
(``which_one``); the corpus split for translation and role tagging (``translation_split``,
``role_tagging``); the adding problem for long-range memory (``adding_problem``,
``adding_batches``). Notebook 04's captioned images are ``shape_scenes``.
"""

from __future__ import annotations

import torch

from .data import (
    ACTIVITIES,
    AND,
    BOUGHT,
    CONNECTIVE,
    IT,
    SUBJECTS,
    TIME_WORDS,
    Sentence,
    corpus,
    noun,
)
from .heldout import check_split, draw_in_split

ACTIVITY_NAMES = tuple(ACTIVITIES)
TIME_LIST = tuple(TIME_WORDS)


def _check_task(n: int, time_words: tuple[int, int], split: str | None) -> None:
    """Raise ``ValueError`` unless n >= 1, 0 <= lo <= hi <= the number of time words, and split
    is None, "train" or "test"."""
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    lo, hi = time_words
    if not 0 <= lo <= hi <= len(TIME_WORDS):
        raise ValueError(
            f"time_words must satisfy 0 <= lo <= hi <= {len(TIME_WORDS)}, got {time_words}"
        )
    check_split(split)


def _time_words(g: torch.Generator, time_words: tuple[int, int]) -> list[str]:
    """lo..hi different time words ("어제", "방금", ...) drawn with ``g``, in random order."""
    lo, hi = time_words
    k = int(torch.randint(lo, hi + 1, (1,), generator=g))
    return [TIME_LIST[j] for j in torch.randperm(len(TIME_LIST), generator=g)[:k].tolist()]


def which_came_first(
    n: int, *, time_words: tuple[int, int] = (0, 0), split: str | None = None, seed: int = 0
) -> tuple[list[list[str]], torch.Tensor]:
    """Sentences "[time words] A 그래서 B" labelled with the activity done FIRST (A).

    "밥을 먹었다 그래서 공부를 했다" -> 먹다, "공부를 했다 그래서 밥을 먹었다" -> 공부하다:
    the same words in another order have another label, so a model must read
    the order. ``time_words=(lo, hi)`` puts lo..hi words such as "어제" in front,
    which shifts every later word to a later position. There are 250 sentences
    "A 그래서 B" (ordered pairs of different activities, times their objects).

    split: "train" or "test" draws only from that part of the 250 (``heldout``; the key is the
    sentence without its time words, so a test sentence is new even with a time word in front);
    None draws from all of them.

    Returns:
        sentences: n token lists; labels: LongTensor (n,) indexing ``ACTIVITY_NAMES``.
    """
    _check_task(n, time_words, split)
    g = torch.Generator().manual_seed(seed)

    def pick(options):
        return options[int(torch.randint(len(options), (1,), generator=g))]

    def draw_core() -> tuple[list[str], int]:
        first = int(torch.randint(len(ACTIVITY_NAMES), (1,), generator=g))
        second = int(torch.randint(len(ACTIVITY_NAMES) - 1, (1,), generator=g))
        second += second >= first  # a different activity
        words = []
        for a in (first, second):
            objects, verb, _ = ACTIVITIES[ACTIVITY_NAMES[a]]
            words += [pick(list(objects)), verb]
        words.insert(2, CONNECTIVE[0])  # A 그래서 B
        return words, first

    sentences, labels = [], []
    for _ in range(n):
        core, first = draw_in_split(draw_core, lambda example: example[0], split)
        sentences.append(_time_words(g, time_words) + core)
        labels.append(first)
    return sentences, torch.tensor(labels, dtype=torch.long)


def what_is_it(
    n: int, *, split: str | None = None, seed: int = 0
) -> tuple[list[list[str]], torch.Tensor]:
    """Sentences "SUBJECT TIME 그것을 VERB" whose answer lies LATER in the sentence.

    "나는 어제 그것을 먹었다": what was 그것 ("it")? Food, because the verb that comes
    after it is 먹었다. The target at the position of 그것을 is the verb's activity
    (an index into ``ACTIVITY_NAMES``); every other position is -100, which
    ``cross_entropy`` ignores. A model that reads left to right must answer at
    그것을 before it has seen the verb. There are 150 sentences (5 subjects, 6 time
    words, 5 verbs); ``split`` draws from the train or test part only (``heldout``).

    Returns:
        sentences: n lists of 4 words; targets: LongTensor (n, 4).
    """
    _check_task(n, (0, 0), split)
    g = torch.Generator().manual_seed(seed)
    subjects, times = list(SUBJECTS), list(TIME_WORDS)

    def draw() -> tuple[list[str], int]:
        subject = subjects[int(torch.randint(len(subjects), (1,), generator=g))]
        time_word = times[int(torch.randint(len(times), (1,), generator=g))]
        activity = int(torch.randint(len(ACTIVITY_NAMES), (1,), generator=g))
        return [subject, time_word, IT, ACTIVITIES[ACTIVITY_NAMES[activity]][1]], activity

    sentences, targets = [], torch.full((n, 4), -100, dtype=torch.long)
    for i in range(n):
        words, activity = draw_in_split(draw, lambda example: example[0], split)
        sentences.append(words)
        targets[i, 2] = activity
    return sentences, targets


NOUNS = tuple(noun(o) for name in ACTIVITY_NAMES[:-1] for o in ACTIVITIES[name][0])
"""The things one can buy in ``which_one`` (밥, 빵, …, 사진), in class order: every object but 공부."""


def which_one(
    n: int, *, time_words: tuple[int, int] = (0, 0), split: str | None = None, seed: int = 0
) -> tuple[list[list[str]], torch.Tensor]:
    """ "나는 빵하고 우유를 샀다 그래서 그것을 마셨다": which one is 그것 ("it")? 우유 (milk).

    The answer needs BOTH sides of 그것을: the two things bought come before it, and the
    verb after it says which of them was used (마셨다: the drink). The two things belong to
    different activities, so exactly one fits the verb. Reading left to right, a model at 그것을
    knows the two candidates but not the verb (one half right at best); reading right to left,
    it knows the verb but not the candidates (one of the 4-5 things of that activity). Only both
    directions together can be sure.

    Sentence: SUBJECT [time words] A하고 B를 샀다 그래서 그것을 VERB; ``time_words=(lo, hi)`` puts
    lo..hi time words after the subject, which moves every later word. There are 2,160 sentences
    without time words; ``split`` keeps to the train or test part (``heldout``; the key is the
    sentence without its time words).

    Returns:
        sentences: n word lists; targets: LongTensor (n, T) holding at 그것을 the index of the
        thing meant (into ``NOUNS``) and -100 (ignored by ``cross_entropy``) elsewhere, where T
        is the longest sentence.
    """
    _check_task(n, time_words, split)
    g = torch.Generator().manual_seed(seed)
    subjects = list(SUBJECTS)
    kinds = ACTIVITY_NAMES[:-1]  # 공부 cannot be bought

    def draw_int(k: int) -> int:
        return int(torch.randint(k, (1,), generator=g))

    def draw() -> tuple[list[str], str]:
        a = draw_int(len(kinds))
        b = draw_int(len(kinds) - 1)
        b += b >= a  # things of two different activities
        first, second = (list(ACTIVITIES[kinds[k]][0]) for k in (a, b))
        first, second = first[draw_int(len(first))], second[draw_int(len(second))]
        meant = (a, first) if draw_int(2) == 0 else (b, second)
        verb = ACTIVITIES[kinds[meant[0]]][1]
        subject = subjects[draw_int(len(subjects))]
        words = [subject, noun(first) + AND, second, BOUGHT, CONNECTIVE[0], IT, verb]
        return words, noun(meant[1])

    sentences, meant = [], []
    for _ in range(n):
        words, thing = draw_in_split(draw, lambda example: example[0], split)
        sentences.append([words[0], *_time_words(g, time_words), *words[1:]])
        meant.append(NOUNS.index(thing))
    targets = torch.full((n, max(len(s) for s in sentences)), -100, dtype=torch.long)
    for i, words in enumerate(sentences):
        targets[i, words.index(IT)] = meant[i]
    return sentences, targets


def translation_split(n_test: int = 24, *, seed: int = 0) -> tuple[list[Sentence], list[Sentence]]:
    """Split ``data.corpus()`` into (train, test) sentences for translation and tagging.

    The test sentences are held out at random, except that the lecture's two sentences
    ("나는 밥을 먹었다", "그래서 공부를 했다") always stay in training, and a sentence is held out
    only if every one of its Korean and English words still occurs in the training sentences.
    """
    sentences = corpus()
    if not 0 < n_test <= len(sentences) - 2:
        raise ValueError(f"n_test must lie in 1..{len(sentences) - 2}, got {n_test}")
    g = torch.Generator().manual_seed(seed)
    counts: dict[str, int] = {}
    for s in sentences:
        for w in (*s.korean, *s.english):
            counts[w] = counts.get(w, 0) + 1
    held = set()
    for i in (2 + torch.randperm(len(sentences) - 2, generator=g)).tolist():
        words = [*sentences[i].korean, *sentences[i].english]
        if all(counts[w] > words.count(w) for w in words):
            held.add(i)
            for w in words:
                counts[w] -= 1
        if len(held) == n_test:
            break
    train = [s for i, s in enumerate(sentences) if i not in held]
    return train, [s for i, s in enumerate(sentences) if i in held]


def role_tagging(
    sentences: list[Sentence], n: int, *, time_words: tuple[int, int] = (0, 2), seed: int = 0
) -> tuple[list[list[str]], list[list[str]]]:
    """n sentences drawn from ``sentences`` with their role tags (SUBJ, OBJ, VERB, CONJ, TIME).

    ``time_words=(lo, hi)`` puts lo..hi time words ("어제", "오늘", "아침에", tagged TIME) in front.
    Returns (word lists, tag lists), one tag per word.
    """
    lo, hi = time_words
    if n < 1 or not sentences or not 0 <= lo <= hi <= len(TIME_WORDS):
        raise ValueError(
            f"need n >= 1, sentences, and 0 <= lo <= hi <= {len(TIME_WORDS)}; "
            f"got n={n}, {len(sentences)} sentences, time_words={time_words}"
        )
    g = torch.Generator().manual_seed(seed)
    words, tags = [], []
    for _ in range(n):
        s = sentences[int(torch.randint(len(sentences), (1,), generator=g))]
        front = _time_words(g, time_words)
        words.append([*front, *s.korean])
        tags.append(["TIME"] * len(front) + list(s.tags))
    return words, tags


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
