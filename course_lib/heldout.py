"""Held out by construction: every sentence of a task belongs to train or to test, never both.

A task's space (sentences, combinations of slots) is cut in two by a stable hash of each
example's *key*, the words that make it what it is: about ``TEST_PERCENT`` % of keys are test,
the rest train. A generator asked for ``split="test"`` draws only test keys, so a test sentence
never occurs among the training draws, whatever the seeds and sizes; ``tests/test_heldout.py``
proves it for every task and split the notebooks use. The hash (BLAKE2b of the key's words) is
the same on every machine and Python version, unlike ``hash()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

SPLITS = ("train", "test")
TEST_PERCENT = 25
"""Share of a task's keys that are test, in percent."""


def split_of(key: Sequence[str]) -> str:
    """ "train" or "test" for the example whose key is ``key`` (a list of words); stable everywhere."""
    digest = hashlib.blake2b(" ".join(key).encode("utf-8"), digest_size=8).digest()
    return "test" if int.from_bytes(digest, "big") % 100 < TEST_PERCENT else "train"


def check_split(split: str | None) -> None:
    """Raise ``ValueError`` unless ``split`` is None (the whole space), "train" or "test"."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be None, 'train' or 'test', got {split!r}")


def draw_in_split(
    draw: Callable[[], tuple], key: Callable[[tuple], Sequence[str]], split: str | None
):
    """Call ``draw()`` until its example's key lies in ``split`` (any example when None); return it.

    ``draw`` uses the caller's seeded generator, so the examples are as reproducible as before.
    """
    check_split(split)
    for _ in range(10_000):
        example = draw()
        if split is None or split_of(key(example)) == split:
            return example
    raise RuntimeError(f"no example in split {split!r} after 10,000 draws: is that part empty?")
