"""Exercises of notebook 01 (DNN limits): turning a sentence into a DNN's input."""

from __future__ import annotations

import numpy as np

from .spec import Exercise, Hint, register


def _random_sentences(rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A batch of padded sentences: indices (B, T) int64 with 0 = <pad>, and V.

    Row 0 is full length, row 1 repeats a word and row 2 ends in padding, so
    the common mistakes always show.
    """
    B, T, V = int(rng.integers(3, 7)), int(rng.integers(3, 9)), int(rng.integers(6, 15))
    x = rng.integers(1, V, size=(B, T))
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0], lengths[1], lengths[2] = T, T, min(lengths[2], T - 1)
    x[np.arange(T)[None, :] >= lengths[:, None]] = 0
    x[1, 1] = x[1, 0]
    return x.astype(np.int64), V


def bag_of_words_reference(indices: np.ndarray, vocab_size: int) -> np.ndarray:
    """Count every word of each sentence: (B, T) int -> (B, V) float64, index 0 (<pad>) not counted."""
    counts = np.zeros((indices.shape[0], vocab_size))
    for b, sentence in enumerate(indices):
        np.add.at(counts[b], sentence, 1.0)
    counts[:, 0] = 0.0
    return counts


def position_one_hot_reference(indices: np.ndarray, vocab_size: int) -> np.ndarray:
    """One-hot block per slot: (B, T) int -> (B, T*V) float64, slot t in columns t*V..(t+1)*V-1."""
    B, T = indices.shape
    out = np.zeros((B, T, vocab_size))
    out[np.arange(B)[:, None], np.arange(T)[None, :], indices] = 1.0
    out[..., 0] = 0.0
    return out.reshape(B, T * vocab_size)


def _counts_pad_too(indices, vocab_size):
    counts = np.zeros((indices.shape[0], vocab_size))
    for b, sentence in enumerate(indices):
        np.add.at(counts[b], sentence, 1.0)
    return counts


def _presence_not_counts(indices, vocab_size):
    return (bag_of_words_reference(indices, vocab_size) > 0).astype(np.float64)


def _one_hot_keeps_pad(indices, vocab_size):
    B, T = indices.shape
    out = np.zeros((B, T, vocab_size))
    out[np.arange(B)[:, None], np.arange(T)[None, :], indices] = 1.0
    return out.reshape(B, T * vocab_size)


def _one_hot_word_major(indices, vocab_size):
    B, T = indices.shape
    blocks = position_one_hot_reference(indices, vocab_size).reshape(B, T, vocab_size)
    return blocks.transpose(0, 2, 1).reshape(B, T * vocab_size)


register(
    Exercise(
        name="bag_of_words",
        points=2,
        reference=bag_of_words_reference,
        make_inputs=_random_sentences,
        arg_names=("indices", "vocab_size"),
        mistakes=(
            (
                _counts_pad_too,
                Hint(
                    "column 0 is <pad>, which is not a word: do not count it.",
                    "0번 열은 단어가 아닌 <pad>입니다: 세지 마세요.",
                ),
            ),
            (
                _presence_not_counts,
                Hint(
                    "a word that appears twice must count 2, not 1.",
                    "두 번 나온 단어는 1이 아니라 2로 세야 합니다.",
                ),
            ),
        ),
    )
)

register(
    Exercise(
        name="position_one_hot",
        points=2,
        reference=position_one_hot_reference,
        make_inputs=_random_sentences,
        arg_names=("indices", "vocab_size"),
        mistakes=(
            (
                _one_hot_keeps_pad,
                Hint(
                    "a <pad> slot (index 0) must be an all-zero block.",
                    "<pad> 자리(인덱스 0)는 모두 0인 블록이어야 합니다.",
                ),
            ),
            (
                _one_hot_word_major,
                Hint(
                    "slot t must fill columns t*V to (t+1)*V - 1: reshape (B, T, V) to (B, T*V), "
                    "not (B, V, T).",
                    "자리 t는 열 t*V부터 (t+1)*V - 1까지를 채워야 합니다: (B, V, T)가 아니라 (B, T, V)를 (B, T*V)로 reshape하세요.",
                ),
            ),
        ),
    )
)


# --- The main exercise: what the best bag-of-words model answers, and its accuracy ceiling ----------------------


def _labelled_bags(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Padded sentences (N, T) int64 (0 = <pad>), labels (N,) int64 and C; the sentences share bags.

    Sentences come in groups, each group the orderings of one bag of words. Group 0 holds all three
    orderings of [a, a, b] and its first row carries a minority label; group 1 is [a, b, b] (the
    same words with other counts) under another label. So every common mistake shows.
    """
    T, V, C = int(rng.integers(4, 8)), int(rng.integers(7, 12)), int(rng.integers(2, 5))
    words = rng.permutation(np.arange(1, V))
    a, b = int(words[0]), int(words[1])
    bags = [[a, a, b], [a, b, b]]
    while len(bags) < int(rng.integers(4, 7)):
        bag = sorted(rng.choice(words[2:], size=int(rng.integers(2, T + 1))).tolist())
        if bag not in bags:
            bags.append(bag)
    rows, groups = [[a, a, b], [a, b, a], [b, a, a]], [0, 0, 0]
    rows += [list(rng.permutation([a, b, b])) for _ in range(int(rng.integers(2, 4)))]
    groups += [1] * (len(rows) - 3)
    for g, bag in enumerate(bags[2:], start=2):
        for _ in range(int(rng.integers(1, 6))):
            rows.append(list(rng.permutation(bag)))
            groups.append(g)
    order = rng.permutation(len(rows))
    rows, groups = [rows[i] for i in order], np.asarray(groups)[order]
    majority = rng.integers(0, C, size=len(bags))
    majority[1] = (majority[0] + 1) % C
    labels = np.where(rng.random(len(rows)) < 0.7, majority[groups], rng.integers(0, C, len(rows)))
    in_0 = np.flatnonzero(groups == 0)  # in order of appearance
    labels[in_0] = [(majority[0] + 1 + int(rng.integers(0, C - 1))) % C] + [majority[0]] * 2
    labels[groups == 1] = majority[1]
    indices = np.zeros((len(rows), T), dtype=np.int64)
    for i, row in enumerate(rows):
        indices[i, : len(row)] = row
    return indices, labels.astype(np.int64), C


def _bags(indices: np.ndarray) -> list[tuple[int, ...]]:
    """Each sentence's bag of words as a hashable tuple of counts (column 0, <pad>, dropped)."""
    vocab_size = int(indices.max()) + 1
    return [tuple(int(c) for c in row[1:]) for row in bag_of_words_reference(indices, vocab_size)]


def _label_frequencies(keys: list, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """(N, C): row i, the frequencies of the labels among the sentences whose key equals i's."""
    members: dict = {}
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    out = np.zeros((len(keys), num_classes))
    for rows in members.values():
        out[rows] = np.bincount(labels[rows], minlength=num_classes) / len(rows)
    return out


def best_bag_of_words_reference(
    indices: np.ndarray, labels: np.ndarray, num_classes: int
) -> np.ndarray:
    """What the best bag-of-words model outputs on these labelled sentences: (N, C) float64.

    indices: (N, T) int64, 0 = <pad>; labels: (N,) int64 in 0..C-1. A bag-of-words model gives
    every sentence with the same word counts the same output; the output that minimises the mean
    cross-entropy of such a group is the frequencies of its labels. So row i holds the label
    frequencies among the sentences whose bag equals sentence i's. ``.max(axis=1).mean()`` is the
    highest accuracy any bag-of-words model can reach on these sentences.
    """
    return _label_frequencies(_bags(indices), labels, num_classes)


def _best_by_sentence(indices, labels, num_classes):
    return _label_frequencies([tuple(row) for row in indices.tolist()], labels, num_classes)


def _best_by_word_set(indices, labels, num_classes):
    keys = [tuple(c > 0 for c in bag) for bag in _bags(indices)]
    return _label_frequencies(keys, labels, num_classes)


def _best_one_hot(indices, labels, num_classes):
    p = best_bag_of_words_reference(indices, labels, num_classes)
    return np.eye(num_classes)[p.argmax(axis=1)]


def _best_counts(indices, labels, num_classes):
    bags = _bags(indices)
    sizes = np.array([bags.count(key) for key in bags], dtype=np.float64)
    return best_bag_of_words_reference(indices, labels, num_classes) * sizes[:, None]


def _best_ignores_words(indices, labels, num_classes):
    return _label_frequencies([()] * len(labels), labels, num_classes)


register(
    Exercise(
        name="best_bag_of_words",
        points=4,
        reference=best_bag_of_words_reference,
        make_inputs=_labelled_bags,
        arg_names=("indices", "labels", "num_classes"),
        mistakes=(
            (
                _best_by_sentence,
                Hint(
                    "a bag-of-words model never sees the order: sentences with the same words in another "
                    "order are one input to it, so they must get the same row.",
                    "단어 주머니(bag of words) 모델은 순서를 보지 못합니다: 같은 단어를 다른 순서로 담은 문장들은 모델에게 같은 입력이므로 같은 행을 받아야 합니다.",
                ),
            ),
            (
                _best_by_word_set,
                Hint(
                    "a bag counts words: 'a a b' and 'a b b' are different inputs to the model; group "
                    "by the counts, not by which words occur.",
                    "단어 주머니는 단어의 개수를 셉니다: 'a a b'와 'a b b'는 모델에게 서로 다른 입력입니다. 어떤 단어가 나오는지가 아니라 개수로 묶으세요.",
                ),
            ),
            (
                _best_one_hot,
                Hint(
                    "under cross-entropy the best model hedges: a group's row is the frequencies of its "
                    "labels, not a one-hot of the most frequent one.",
                    "교차 엔트로피에서는 최선의 모델도 한쪽에 걸지 않습니다: 그룹의 행은 가장 흔한 레이블의 원-핫이 아니라 레이블들의 빈도입니다.",
                ),
            ),
            (
                _best_counts,
                Hint(
                    "each row is a probability distribution: divide the label counts by the size of the "
                    "group, so that the row sums to 1.",
                    "각 행은 확률분포입니다: 행의 합이 1이 되도록 레이블 개수를 그룹 크기로 나누세요.",
                ),
            ),
            (
                _best_ignores_words,
                Hint(
                    "the model does see which words occur, and how often: only sentences with the same "
                    "bag of words share a row, not the whole set.",
                    "모델은 어떤 단어가 몇 번 나오는지는 봅니다: 전체 집합이 아니라 단어 주머니가 같은 문장들만 한 행을 공유합니다.",
                ),
            ),
        ),
    )
)
