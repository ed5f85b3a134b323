"""Exercises of notebook 01 (DNN limits): turning a sentence into a DNN's input."""

from __future__ import annotations

import numpy as np

from .spec import Exercise, register


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
            (_counts_pad_too, "column 0 is <pad>, which is not a word: do not count it."),
            (_presence_not_counts, "a word that appears twice must count 2, not 1."),
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
            (_one_hot_keeps_pad, "a <pad> slot (index 0) must be an all-zero block."),
            (
                _one_hot_word_major,
                "slot t must fill columns t*V to (t+1)*V - 1: reshape (B, T, V) to (B, T*V), "
                "not (B, V, T).",
            ),
        ),
    )
)
