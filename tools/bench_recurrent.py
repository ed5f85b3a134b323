"""Time forward+backward of the course's RNN, LSTM and GRU layers against torch.nn's.

``cases()`` gives (label, course step, torch step) triples; ``tools/bench.py`` (``make bench``)
times them, alternating course and torch, and prints the ratios.
Shapes (B batch, T time, I input, H hidden), float32, batch_first: the bench size B 32, T 50,
I 32, H 128, and the notebooks' adding problem, B 64, T 50, I 2, H 64.
"""

from collections.abc import Callable

import torch
from torch import nn

from course_lib import gru, lstm, rnn

SIZES = ((32, 50, 32, 128), (64, 50, 2, 64))  # (B, T, I, H)
PAIRS = (
    ("rnn.RNN", rnn.RNN, nn.RNN),
    ("lstm.LSTM", lstm.LSTM, nn.LSTM),
    ("gru.GRU", gru.GRU, nn.GRU),
)


def _forward_backward(module: nn.Module, x: torch.Tensor) -> Callable[[], None]:
    """Return a zero-argument callable running one forward and backward pass of module on x."""

    def run() -> None:
        output, _ = module(x)
        output.sum().backward()

    return run


def cases() -> list[tuple[str, Callable[[], None], Callable[[], None]]]:
    """Return (label, course forward+backward, torch forward+backward) for RNN, LSTM and GRU.

    One triple per pair and size in ``SIZES``; each pair shares the same weights (torch's,
    loaded into the course layer) and input x (B, T, I), float32, batch_first.
    """
    generator = torch.Generator().manual_seed(0)
    result = []
    for B, T, I, H in SIZES:
        x = torch.randn(B, T, I, generator=generator)
        for name, course_class, torch_class in PAIRS:
            theirs = torch_class(I, H, batch_first=True)
            ours = course_class(I, H, batch_first=True)
            ours.load_state_dict(theirs.state_dict())
            label = f"{name} vs nn.{torch_class.__name__} (B{B} T{T} I{I} H{H})"
            result.append((label, _forward_backward(ours, x), _forward_backward(theirs, x)))
    return result
