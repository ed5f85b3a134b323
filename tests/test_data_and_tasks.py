"""The course corpus, vocabulary and synthetic tasks are what their docstrings promise."""

import pytest
import torch

from course_lib.data import (
    ACTIVITIES,
    CONNECTIVE,
    TAGS,
    TIME_WORDS,
    Vocab,
    clause,
    corpus,
    korean_vocab,
    simple_sentences,
)
from course_lib.tasks import ACTIVITY_NAMES, role_tagging, translation_split, which_came_first


def test_corpus_starts_with_the_lecture_sentences():
    sentences = corpus()
    assert (
        " ".join(sentences[0].korean) == "나는 밥을 먹었다"
        and " ".join(sentences[0].english) == "I ate rice"
    )
    assert " ".join(sentences[1].korean) == "그래서 공부를 했다"
    assert " ".join(sentences[1].english) == "so I studied"
    assert all(len(s.korean) == len(s.tags) for s in sentences)
    assert corpus() == sentences  # deterministic


def test_clause_rejects_an_object_that_does_not_fit_the_verb():
    with pytest.raises(ValueError, match="not an object of"):
        clause("나는", "물을", "먹다")


def test_vocab_round_trip_and_specials():
    vocab = korean_vocab()
    words = ["나는", "밥을", "먹었다", "어제"]
    assert vocab.decode(vocab.encode(words)) == words
    assert vocab.encode(["없는말"]) == [vocab.stoi["<unk>"]]
    assert vocab.pad_index == 0
    assert vocab.decode([vocab.stoi["나는"], vocab.stoi["<eos>"], vocab.stoi["밥을"]]) == ["나는"]
    assert len(Vocab(["a", "b", "a"])) == 4 + 2


def test_which_came_first_labels_the_first_clause():
    sentences, labels = which_came_first(200, time_words=(0, 2), seed=3)
    verbs = {ACTIVITIES[name][1]: i for i, name in enumerate(ACTIVITY_NAMES)}
    for words, label in zip(sentences, labels.tolist(), strict=True):
        cut = words.index(CONNECTIVE[0])
        assert verbs[words[cut - 1]] == label
        assert verbs[words[-1]] != label
    again, labels_again = which_came_first(200, time_words=(0, 2), seed=3)
    assert again == sentences and torch.equal(labels, labels_again)


def test_which_came_first_time_words_shift_positions():
    sentences, _ = which_came_first(50, time_words=(1, 1), seed=0)
    assert all(len(s) == 6 for s in sentences)
    with pytest.raises(ValueError, match="time_words"):
        which_came_first(5, time_words=(2, 1))


def test_every_simple_sentence_is_in_the_vocabulary():
    vocab = korean_vocab()
    assert all(w in vocab for s in simple_sentences() for w in s.korean)


def test_adding_problem_targets_are_the_sum_of_the_marked_values():
    from course_lib.tasks import adding_problem

    x, y = adding_problem(300, 20, seed=1)
    assert x.shape == (300, 20, 2) and y.shape == (300,)
    markers = x[..., 1]
    assert torch.equal(markers.sum(1), torch.full((300,), 2.0))
    assert torch.equal(markers[:, :10].sum(1), torch.ones(300))
    torch.testing.assert_close(y, (x[..., 0] * markers).sum(1))
    # Predicting 1.0 scores about 1/6, the baseline the notebooks quote.
    big_x, big_y = adding_problem(20000, 20, seed=2)
    assert abs(((big_y - 1.0) ** 2).mean().item() - 1 / 6) < 0.01
    again_x, _ = adding_problem(300, 20, seed=1)
    assert torch.equal(again_x, x)
    with pytest.raises(ValueError, match="at least 2"):
        adding_problem(3, 1)


def test_what_is_it_labels_it_with_the_later_verb():
    from course_lib.tasks import what_is_it

    sentences, targets = what_is_it(100, seed=4)
    verbs = {ACTIVITIES[name][1]: i for i, name in enumerate(ACTIVITY_NAMES)}
    assert targets.shape == (100, 4)
    for words, target in zip(sentences, targets.tolist(), strict=True):
        assert words[2] == "그것을" and target[2] == verbs[words[3]]
        assert target[:2] == [-100, -100] and target[3] == -100
    assert all(w in korean_vocab() for s in sentences for w in s)


def test_translation_split_holds_out_sentences_whose_words_were_all_seen():
    train, test = translation_split(24, seed=0)
    sentences = corpus()
    assert len(test) == 24 and len(train) + len(test) == len(sentences)
    assert set(train).isdisjoint(test) and set(train) | set(test) == set(sentences)
    assert sentences[0] in train and sentences[1] in train  # the lecture's two sentences
    seen = {w for s in train for w in (*s.korean, *s.english)}
    assert all(w in seen for s in test for w in (*s.korean, *s.english))
    assert translation_split(24, seed=0) == (train, test)
    assert translation_split(24, seed=1)[1] != test
    with pytest.raises(ValueError, match="n_test must lie in"):
        translation_split(0)


def test_role_tagging_gives_one_tag_per_word_and_time_words_in_front():
    train, _ = translation_split(24, seed=0)
    words, tags = role_tagging(train, 300, time_words=(0, 2), seed=0)
    assert len(words) == len(tags) == 300
    counts = set()
    for w, t in zip(words, tags, strict=True):
        assert len(w) == len(t) and set(t) <= set(TAGS)
        k = t.count("TIME")
        counts.add(k)
        assert all(x in TIME_WORDS for x in w[:k]) and "TIME" not in t[k:]
        assert next(s for s in train if s.korean == tuple(w[k:])).tags == tuple(t[k:])
    assert counts == {0, 1, 2}
    assert role_tagging(train, 300, seed=0) == (words, tags)
    with pytest.raises(ValueError, match="time_words"):
        role_tagging(train, 5, time_words=(2, 1))
