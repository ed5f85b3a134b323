"""Evidence for the prose: results over seeds, verdicts against tolerances, claims asserted.

A sentence in a notebook such as "the RNN beats both DNNs on shifted sentences, at every seed"
is only as good as the cell that checks it. ``claim`` prints the sentence with a tick when it
holds and raises ``ClaimFailed`` (an ``AssertionError`` naming the measured numbers) when it does
not, so a change of code or data that makes the prose false fails the notebook's run.

Printed digits must not depend on the CPU (its kernels round differently, and training amplifies
the last bits). So ``verdict`` prints "equal within 1e-12", never the float noise itself, and a
``Spread`` (one result over several seeds: mean, min, max) prints at the precision asked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import torch


class ClaimFailed(AssertionError):
    """A claim of the notebook's prose does not hold for what was measured."""


def claim(statement: str, holds: bool, **measured: object) -> None:
    """Print "✓ statement" if ``holds``; else raise ``ClaimFailed`` with the measured values.

    Example: ``claim("the GRU reaches MSE 0.01 in fewer steps, every seed", max(gru) < min(lstm),
    gru=gru, lstm=lstm)``.
    """
    if not bool(holds):
        shown = ", ".join(f"{k}={_short(v)}" for k, v in measured.items())
        raise ClaimFailed(
            f"the text says: {statement!r}, but the run measured {shown or 'otherwise'}"
        )
    print(f"✓ {statement}")


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Spread):
        return f"{value.values}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return repr(value)


def verdict(
    name: str, ours: torch.Tensor, theirs: torch.Tensor, *, atol: float, rtol: float = 0.0
) -> None:
    """Print "name: equal within atol" if every entry agrees, else raise ``ClaimFailed``.

    The largest difference itself is float noise that differs from one CPU to the next, so it is
    named only when the check fails.
    """
    ours, theirs = torch.as_tensor(ours), torch.as_tensor(theirs)
    if ours.shape != theirs.shape:
        raise ClaimFailed(
            f"{name}: shapes differ, {tuple(ours.shape)} against {tuple(theirs.shape)}"
        )
    if not torch.allclose(ours, theirs, rtol=rtol, atol=atol):
        worst = (ours - theirs).abs().max().item()
        raise ClaimFailed(
            f"{name}: not equal within atol={atol:g}, rtol={rtol:g}: largest difference {worst:.3g}"
        )
    print(f"{name}: equal within {atol:g}" + (f" (+ {rtol:g} relative)" if rtol else ""))


@dataclass(frozen=True)
class Spread:
    """One result measured over several seeds: ``values`` in seed order, with mean, lo and hi."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    @property
    def lo(self) -> float:
        return min(self.values)

    @property
    def hi(self) -> float:
        return max(self.values)

    def __format__(self, spec: str) -> str:
        """``f"{s:.2f}"`` -> "0.53 (0.50-0.57)": mean, then min-max, each in the given format."""
        spec = spec or ".2f"
        return f"{self.mean:{spec}} ({self.lo:{spec}}-{self.hi:{spec}})"

    def __str__(self) -> str:
        return format(self)


def spread(values: Iterable[float]) -> Spread:
    """A ``Spread`` of finite numbers (at least one)."""
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError("spread needs at least one value")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"spread needs finite values, got {values}")
    return Spread(values)


def seed_table(
    rows: Mapping[str, Mapping[str, Spread]], *, spec: str = ".2f", first: str = "model"
) -> None:
    """Print one row per entry of ``rows`` and one column per metric: mean (min-max) over seeds."""
    if not rows:
        raise ValueError("seed_table needs at least one row")
    metrics = list(next(iter(rows.values())))
    width = max(len(first), *(len(r) for r in rows)) + 2
    cells = {r: [format(v[m], spec) for m in metrics] for r, v in rows.items()}
    column = max(len(m) for m in metrics)
    column = max(column, *(len(c) for cs in cells.values() for c in cs)) + 2
    print(f"{first:<{width}}" + "".join(f"{m:>{column}}" for m in metrics))
    for r, cs in cells.items():
        print(f"{r:<{width}}" + "".join(f"{c:>{column}}" for c in cs))
