"""Shape scenes: 8x8 images of one circle, square or triangle, with the Korean caption that says it.

Notebook 04 uses them both ways: image -> caption (one-to-many, 이미지 → 텍스트) and caption ->
image (many-to-one, 텍스트 → 이미지). Letters used in shapes: N scenes, and 8 x 8 pixels
(``IMAGE_SIZE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .heldout import check_split, draw_in_split

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
