"""Shape scenes: seeded images, each exactly what its caption says, with held-out scenes made of seen parts."""

from __future__ import annotations

import pytest
import torch

from course_lib.shape_scenes import (
    CAPTION_GLOSSES,
    SHAPE_NAMES,
    SHAPE_WORDS,
    caption_words,
    draw_shape,
    english_caption,
    shape_scenes,
)


def scene_of(caption):
    """Read (shape, size, row, col) back from a caption, whatever its word order."""
    shape = next(s for s, word in SHAPE_WORDS.items() if word in caption)
    size = "큰" if "큰" in caption else "작은"
    return shape, size, int("아래에" in caption), int("오른쪽" in caption)


def test_shape_scenes_are_seeded_and_shaped():
    a = shape_scenes(50, noise=0.2, jitter=True, mixed_order=True, seed=3)
    b = shape_scenes(50, noise=0.2, jitter=True, mixed_order=True, seed=3)
    assert torch.equal(a.images, b.images) and a.captions == b.captions
    assert a.images.shape == a.clean.shape == (50, 8, 8) and a.labels.shape == (50,)
    assert not torch.equal(a.images, shape_scenes(50, seed=4).images)
    with pytest.raises(ValueError, match="n must be positive, got 0"):
        shape_scenes(0)


def test_the_clean_image_is_exactly_what_the_caption_says():
    scenes = shape_scenes(200, noise=0.3, jitter=True, mixed_order=True, seed=0)
    for clean, caption, label in zip(scenes.clean, scenes.captions, scenes.labels, strict=True):
        shape, size, row, col = scene_of(caption)
        assert torch.equal(clean, draw_shape(shape, size, row, col))
        assert SHAPE_NAMES[label] == shape
        assert set(clean.unique().tolist()) <= {0.0, 1.0}
    distinct = {tuple(c) for c in scenes.captions}
    assert len({scene_of(c) for c in distinct}) == 24  # 3 shapes x 2 sizes x 4 quadrants
    assert any(c[0] in ("큰", "작은") for c in distinct) and any(c[0] == "왼쪽" for c in distinct)


def test_noise_and_jitter_change_only_what_the_model_sees():
    plain = shape_scenes(100, seed=1)
    assert torch.equal(plain.images, plain.clean)
    jittered = shape_scenes(100, jitter=True, seed=1)
    moved = (jittered.images != jittered.clean).flatten(1).any(1)
    assert moved.any()
    for image, caption, was_moved in zip(jittered.images, jittered.captions, moved, strict=True):
        shape, size, row, col = scene_of(caption)
        assert not was_moved or size == "작은"  # only small shapes can move
        quadrant = image[4 * row : 4 * row + 4, 4 * col : 4 * col + 4]
        assert image.sum() == quadrant.sum() > 0  # and never out of their quadrant
    noisy = shape_scenes(100, noise=0.2, seed=1)
    assert torch.equal(noisy.clean, plain.clean)
    assert 0.15 < (noisy.images - noisy.clean).std() < 0.25


def test_captions_and_their_english_glosses():
    words = caption_words("원", "큰", 0, 0)
    assert words == ["왼쪽", "위에", "큰", "원이", "있다"]
    assert english_caption(words) == "there is a big circle at the top left"
    words = caption_words("세모", "작은", 1, 1, shape_first=True)
    assert words == ["작은", "세모가", "오른쪽", "아래에", "있다"]
    assert english_caption(words) == "there is a small triangle at the bottom right"
    assert all(w in CAPTION_GLOSSES for w in words)


def test_draw_shape_rejects_unknown_shapes_and_leaving_the_quadrant():
    assert draw_shape("네모", "큰", 1, 0).sum() == 12  # the outline of a 4x4 square
    with pytest.raises(ValueError, match="must be one of"):
        draw_shape("별", "큰", 0, 0)
    with pytest.raises(
        ValueError, match=r"stay in its quadrant, got row=0, col=0, offset=\(1, 0\)"
    ):
        draw_shape("원", "큰", 0, 0, offset=(1, 0))


def test_each_held_out_scene_joins_parts_that_training_shows_apart():
    """Notebook 04 asks whether a model composes a held-out scene: each of its parts must be seen.

    For every scene of ``split="test"``: its shape at its size occurs in training (in another
    corner), and its corner at its size occurs in training (with another shape). Drawn at the
    notebook's sizes and seeds, with both word orders.
    """
    train = {
        scene_of(c) for c in shape_scenes(2000, mixed_order=True, split="train", seed=2).captions
    }
    train |= {scene_of(c) for c in shape_scenes(2000, split="train", seed=0).captions}
    held = {scene_of(c) for c in shape_scenes(500, split="test", seed=1).captions}
    assert len(train) == 19 and len(held) == 5 and not train & held
    for shape, size, row, col in held:
        assert any((h, z) == (shape, size) for h, z, _, _ in train), (shape, size)
        assert any((z, r, c) == (size, row, col) for _, z, r, c in train), (size, row, col)
