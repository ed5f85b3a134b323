"""Time the course's attention against torch's: forward + backward, float32, CPU.

``cases()`` gives (label, course step, torch step) triples; ``tools/bench.py``
(``make bench``) times them, alternating course and torch, and prints the ratios.

Sizes: batch 32, 4 heads, width 128 (head size 32), lengths 64
and 256, self-attention without masks.
"""

from collections.abc import Callable

import torch
import torch.nn.functional as F

from course_lib.attention import MultiheadAttention, scaled_dot_product_attention

BATCH, HEADS, WIDTH = 32, 4, 128
LENGTHS = (64, 256)

Step = Callable[[], None]


def _sdpa_steps(length: int) -> tuple[Step, Step]:
    gen = torch.Generator().manual_seed(length)
    shape = (BATCH, HEADS, length, WIDTH // HEADS)  # (B, nh, T, hs)
    q, k, v = (torch.randn(shape, generator=gen).requires_grad_() for _ in range(3))
    grad_out = torch.randn(shape, generator=gen)

    def course() -> None:
        out = scaled_dot_product_attention(q, k, v)
        torch.autograd.grad(out, (q, k, v), grad_out)

    def reference() -> None:
        out = F.scaled_dot_product_attention(q, k, v)
        torch.autograd.grad(out, (q, k, v), grad_out)

    return course, reference


def _mha_steps(length: int, need_weights: bool) -> tuple[Step, Step]:
    torch.manual_seed(length)
    ours = MultiheadAttention(WIDTH, HEADS, batch_first=True)
    theirs = torch.nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(BATCH, length, WIDTH, requires_grad=True)  # (B, T, D)
    grad_out = torch.randn(BATCH, length, WIDTH)

    def step(module: torch.nn.Module) -> Step:
        inputs = (x, *module.parameters())

        def run() -> None:
            out, _ = module(x, x, x, need_weights=need_weights)
            torch.autograd.grad(out, inputs, grad_out)

        return run

    return step(ours), step(theirs)


def cases() -> list[tuple[str, Step, Step]]:
    """Return (label, course forward+backward, torch forward+backward) for each benchmark."""
    size = f"B{BATCH} h{HEADS} D{WIDTH}"
    out = []
    for length in LENGTHS:
        out.append(
            (
                f"attention.scaled_dot_product_attention vs F.sdpa ({size} L{length})",
                *_sdpa_steps(length),
            )
        )
        for need_weights in (False, True):
            out.append(
                (
                    f"attention.MultiheadAttention vs nn.MultiheadAttention "
                    f"need_weights={need_weights} ({size} L{length})",
                    *_mha_steps(length, need_weights),
                )
            )
    return out
