"""Synthetic tasks that test what a sequence model can and cannot do.

Each generator is seeded and returns tokenised inputs and integer labels, so a
notebook can rebuild the same data set on any machine without downloads.
"""

from __future__ import annotations

import torch

from .data import ACTIVITIES, AND, BOUGHT, CONNECTIVE, IT, SUBJECTS, TIME_WORDS, noun
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


# --- Notebook 04 (입력/출력층에 따른 종류): shapes with captions, role tagging, translation ---------

from dataclasses import dataclass  # noqa: E402

from .data import Sentence, corpus  # noqa: E402

IMAGE_SIZE = 8
SHAPE_NAMES = ("원", "네모", "세모")
"""The shapes of ``shape_scenes`` (circle, square, triangle), in label order."""

# Caption words with their English glosses. A caption reads
# "<왼쪽|오른쪽> <위에|아래에> <큰|작은> <원이|네모가|세모가> 있다", e.g. "왼쪽 위에 큰 원이 있다"
# ("there is a big circle at the top left"); the subject particle follows the noun (원이, 네모가).
SHAPE_WORDS = {"원": "원이", "네모": "네모가", "세모": "세모가"}
CAPTION_GLOSSES = {
    "왼쪽": "left",
    "오른쪽": "right",
    "위에": "at the top",
    "아래에": "at the bottom",
    "큰": "big",
    "작은": "small",
    "원이": "circle",
    "네모가": "square",
    "세모가": "triangle",
    "있다": "there is",
}

# Pixel masks, '#' = 1. A big shape fills a 4x4 quadrant; a small one is 3x3.
_MASKS = {
    ("원", "큰"): (".##.", "####", "####", ".##."),
    ("네모", "큰"): ("####", "#..#", "#..#", "####"),
    ("세모", "큰"): ("#...", "##..", "###.", "####"),
    ("원", "작은"): (".#.", "###", ".#."),
    ("네모", "작은"): ("###", "#.#", "###"),
    ("세모", "작은"): ("#..", "##.", "###"),
}


@dataclass(frozen=True)
class ShapeScenes:
    """Small images of one shape each, with the caption that describes them.

    images: (n, 8, 8) float, what a model sees (jittered and noisy when asked);
    clean: (n, 8, 8) float in {0, 1}, the caption's one canonical drawing (no jitter, no noise),
    the target when an image is drawn from its caption; captions: n Korean word lists;
    labels: (n,) long index into ``SHAPE_NAMES``.
    """

    images: torch.Tensor
    clean: torch.Tensor
    captions: list[list[str]]
    labels: torch.Tensor


def draw_shape(shape: str, size: str, row: int, col: int, offset: tuple[int, int] = (0, 0)):
    """Draw one shape into an empty 8x8 image (float tensor (8, 8)).

    shape in ``SHAPE_NAMES``, size "큰" (4x4) or "작은" (3x3), (row, col) the quadrant (0 = top
    or left, 1 = bottom or right); ``offset`` moves a small shape within its quadrant (0 or 1).
    """
    if (shape, size) not in _MASKS:
        raise ValueError(f"(shape, size) must be one of {list(_MASKS)}, got {(shape, size)}")
    mask = torch.tensor([[c == "#" for c in line] for line in _MASKS[shape, size]]).float()
    k = mask.shape[0]
    top, left = 4 * row + offset[0], 4 * col + offset[1]
    if not (0 <= row <= 1 and 0 <= col <= 1 and top + k <= 4 * row + 4 and left + k <= 4 * col + 4):
        raise ValueError(
            f"the shape must stay in its quadrant, got row={row}, col={col}, offset={offset}"
        )
    image = torch.zeros(IMAGE_SIZE, IMAGE_SIZE)
    image[top : top + k, left : left + k] = mask
    return image


def caption_words(shape: str, size: str, row: int, col: int, shape_first: bool = False):
    """The Korean caption of a scene: "왼쪽 위에 큰 원이 있다", or "큰 원이 왼쪽 위에 있다" if shape_first."""
    where = ["오른쪽" if col else "왼쪽", "아래에" if row else "위에"]
    what = [size, SHAPE_WORDS[shape]]
    return [*what, *where, "있다"] if shape_first else [*where, *what, "있다"]


def english_caption(words: list[str]) -> str:
    """Gloss a caption in English: "왼쪽 위에 큰 원이 있다" -> "there is a big circle at the top left"."""
    glosses = {CAPTION_GLOSSES[w] for w in words if w in CAPTION_GLOSSES}
    size = next((g for g in ("big", "small") if g in glosses), "")
    shape = next((g for g in ("circle", "square", "triangle") if g in glosses), "?")
    place = [g[len("at the ") :] for g in ("at the top", "at the bottom") if g in glosses]
    side = [g for g in ("left", "right") if g in glosses]
    return " ".join(["there is a", size, shape, "at the", *place, *side]).replace("  ", " ")


def shape_scenes(
    n: int,
    *,
    noise: float = 0.0,
    jitter: bool = False,
    mixed_order: bool = False,
    split: str | None = None,
    seed: int = 0,
) -> ShapeScenes:
    """n random scenes: a circle, square or triangle (원/네모/세모), big or small, in one quadrant.

    Usable both ways: image -> caption (one-to-many, 이미지 → 텍스트) and caption -> image
    (many-to-one, 텍스트 → 이미지). ``jitter`` moves a small shape by up to one pixel inside its
    quadrant and ``noise`` adds Gaussian noise of that standard deviation to ``images`` (never
    to ``clean``). ``mixed_order`` puts the shape first in half of the captions ("큰 원이 왼쪽
    위에 있다"), which Korean allows and which describes the same image.
    There are 3 shapes x 2 sizes x 4 quadrants = 24 distinct scenes (captions). ``split``
    ("train" or "test") keeps to the scenes of that part (``heldout``, keyed by the scene's
    caption in the usual order), so a test scene never occurs in training, in either word order.
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    check_split(split)
    g = torch.Generator().manual_seed(seed)

    def draw(k: int) -> int:
        return int(torch.randint(k, (1,), generator=g))

    def draw_scene() -> tuple[int, str, int, int]:
        return draw(len(SHAPE_NAMES)), ("큰", "작은")[draw(2)], draw(2), draw(2)

    def key(scene: tuple[int, str, int, int]) -> list[str]:
        label, size, row, col = scene
        return caption_words(SHAPE_NAMES[label], size, row, col)

    images, clean, captions, labels = [], [], [], []
    for _ in range(n):
        label, size, row, col = draw_in_split(draw_scene, key, split)
        shape = SHAPE_NAMES[label]
        offset = (draw(2), draw(2)) if jitter and size == "작은" else (0, 0)
        images.append(draw_shape(shape, size, row, col, offset))
        clean.append(draw_shape(shape, size, row, col))
        captions.append(caption_words(shape, size, row, col, mixed_order and bool(draw(2))))
        labels.append(label)
    images = torch.stack(images)
    if noise:
        images = images + noise * torch.randn(images.shape, generator=g)
    return ShapeScenes(images, torch.stack(clean), captions, torch.tensor(labels))


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
