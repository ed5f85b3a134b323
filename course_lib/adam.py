"""Adam, written out: the optimiser every notebook trains with, step for step ``torch.optim.Adam``.

Why the course carries its own: constructing the first ``torch.optim`` optimiser in a process
imports ``torch._dynamo`` (the compiler), a slow import that every notebook paid.
This class does the same arithmetic as ``torch.optim.Adam``'s default CPU path (no weight decay,
no amsgrad), in the same order, so it gives the same parameters bit for bit
(``tests/test_adam.py`` checks it in float64 and float32).

The update, for each parameter θ with gradient g at step t (Kingma & Ba 2015):
    m ← β1·m + (1 − β1)·g            (first moment, written as the lerp torch uses)
    v ← β2·v + (1 − β2)·g²           (second moment)
    θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor


class Adam:
    """Adam over ``params`` (tensors with ``.grad``): ``zero_grad()`` then ``step()``, as in torch.

    lr: learning rate; betas: (β1, β2), the moments' decay rates; eps: added to the denominator.
    Parameters whose ``.grad`` is None at a step are skipped, as torch skips them.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("Adam got an empty parameter list")
        if not lr > 0:
            raise ValueError(f"lr must be positive, got {lr}")
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"betas must lie in [0, 1), got {betas}")
        self.lr, self.betas, self.eps = lr, betas, eps
        self.steps = [0] * len(self.params)
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        """Forget the gradients (set them to None, as ``torch.optim`` does by default)."""
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Update every parameter that has a gradient by one Adam step."""
        beta1, beta2 = self.betas
        for i, (p, m, v) in enumerate(zip(self.params, self.exp_avg, self.exp_avg_sq, strict=True)):
            if p.grad is None:
                continue
            g = p.grad
            self.steps[i] += 1
            t = self.steps[i]
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            step_size = self.lr / (1 - beta1**t)
            denominator = (v.sqrt() / (1 - beta2**t) ** 0.5).add_(self.eps)
            p.addcdiv_(m, denominator, value=-step_size)
