"""Held out by construction: for every task a notebook evaluates on, no test example occurs in
training. Each case draws the training set and the test sets at the sizes and seeds the
notebooks use (and more), and proves the overlap empty, by sentence and by the split's key."""

from __future__ import annotations

import itertools

import pytest
import torch

from course_lib.data import IT, TIME_WORDS
from course_lib.heldout import TEST_PERCENT, draw_in_split, split_of
from course_lib.long_range import adding_test_set
from course_lib.shape_scenes import SHAPE_NAMES, caption_words, shape_scenes
from course_lib.tasks import (
    adding_batches,
    role_tagging,
    translation_split,
    what_is_it,
    which_came_first,
    which_one,
)

TIME = set(TIME_WORDS)


def core(words: list[str]) -> tuple[str, ...]:
    """A sentence without its time words: the key that decides its split."""
    return tuple(w for w in words if w not in TIME)


def whole(words: list[str]) -> tuple[str, ...]:
    """what_is_it's key: its time word is part of the sentence, not put in front."""
    return tuple(words)


# (task, training keyword arguments, test keyword arguments, key): every way a notebook draws them.
CASES = {
    "which_came_first": (which_came_first, {"time_words": (0, 0)}, {"time_words": (0, 0)}, core),
    "which_came_first shifted": (
        which_came_first,
        {"time_words": (0, 0)},
        {"time_words": (1, 1)},
        core,
    ),
    "which_came_first with time words": (
        which_came_first,
        {"time_words": (0, 1)},
        {"time_words": (0, 3)},
        core,
    ),
    "what_is_it": (what_is_it, {}, {}, whole),
    "which_one": (which_one, {"time_words": (0, 0)}, {"time_words": (0, 0)}, core),
    "which_one with time words": (which_one, {"time_words": (0, 2)}, {"time_words": (0, 2)}, core),
}


@pytest.mark.parametrize("case", CASES)
def test_test_sentences_never_occur_in_training(case):
    task, train_kwargs, test_kwargs, key = CASES[case]
    train = {
        tuple(s)
        for seed in range(5)
        for s in task(3000, split="train", seed=seed, **train_kwargs)[0]
    }
    test = [
        tuple(s) for seed in range(5) for s in task(1000, split="test", seed=seed, **test_kwargs)[0]
    ]
    assert not train & set(test), f"{case}: a test sentence occurs in training"
    train_keys = {key(s) for s in train}
    assert not train_keys & {key(s) for s in test}, f"{case}: a test sentence's key is trained on"
    # the test part is a real sample of the space, not a handful of sentences
    assert len({key(s) for s in test}) >= 30


SIZES = {which_came_first: 250, what_is_it: 150, which_one: 2160}


@pytest.mark.parametrize("task", list(SIZES), ids=lambda t: t.__name__)
def test_split_parts_partition_the_whole_space(task):
    """Train and test together are the whole grammar, they share nothing, and test is ~25 %."""
    n = 12 * SIZES[task]  # enough draws to meet every sentence of the part drawn from
    expected_share = {"train": 1 - TEST_PERCENT / 100, "test": TEST_PERCENT / 100}
    everything = {tuple(s) for s in task(n, seed=0)[0]}
    parts = {
        split: {tuple(s) for s in task(int(n * expected_share[split]), split=split, seed=0)[0]}
        for split in ("train", "test")
    }
    assert len(everything) == SIZES[task], "the grammar's size changed: update the docstring"
    assert not parts["train"] & parts["test"]
    assert parts["train"] | parts["test"] == everything
    share = len(parts["test"]) / SIZES[task]
    assert abs(share - TEST_PERCENT / 100) < 0.08, share


def test_which_one_needs_both_sides_of_it():
    """Left of 그것을: two candidates; right of it: the verb; exactly one candidate fits the verb."""
    sentences, targets = which_one(500, time_words=(0, 2), seed=3)
    from course_lib.tasks import NOUNS

    for words, target in zip(sentences, targets, strict=True):
        t = words.index(IT)
        assert (target >= 0).sum() == 1 and target[t] >= 0
        meant = NOUNS[target[t]]
        left = words[:t]
        assert any(w.startswith(meant) for w in left), (words, meant)


def test_shape_scene_test_captions_never_occur_in_training():
    scenes = list(itertools.product(SHAPE_NAMES, ("큰", "작은"), (0, 1), (0, 1)))
    test_scenes = [s for s in scenes if split_of(caption_words(*s)) == "test"]
    assert 3 <= len(test_scenes) <= 12
    train = shape_scenes(2000, mixed_order=True, split="train", seed=2)
    test = shape_scenes(500, mixed_order=True, split="test", seed=3)
    train_captions = {frozenset(c) for c in train.captions}  # either word order is the same scene
    assert not train_captions & {frozenset(c) for c in test.captions}
    assert not {tuple(c.flatten().tolist()) for c in train.clean} & {
        tuple(c.flatten().tolist()) for c in test.clean
    }


def test_translation_and_tagging_hold_out_whole_sentences():
    train, held_out = translation_split(24, seed=0)
    assert not {s.korean for s in train} & {s.korean for s in held_out}
    words, _ = role_tagging(train, 2000, seed=0)
    test_words, _ = role_tagging(held_out, 500, seed=1)
    assert not {core(w) for w in words} & {core(w) for w in test_words}


@pytest.mark.parametrize("length", [20, 50, 100, 200])
def test_adding_test_set_is_apart_from_every_training_batch(length):
    """fit seeds its batch generator with the run's seed (0-4 in the notebooks); the test set is
    drawn with another seed, so no test sequence is a training sequence."""
    test_x, _ = adding_test_set(length)
    test_rows = {tuple(row) for row in test_x[:, :, 0].tolist()}
    make = adding_batches(length, 64)
    for seed in range(5):
        g = torch.Generator().manual_seed(seed)
        for _ in range(50):
            x, _ = make(g)
            assert not test_rows & {tuple(row) for row in x[:, :, 0].tolist()}


def test_draw_in_split_refuses_a_bad_split_and_an_empty_part():
    with pytest.raises(ValueError, match="split must be"):
        which_came_first(3, split="validation")
    with pytest.raises(RuntimeError, match="no example in split"):
        draw_in_split(
            lambda: (["같은", "문장"],),
            lambda e: e[0],
            "test" if split_of(["같은", "문장"]) == "train" else "train",
        )
