"""The course's Adam gives torch.optim.Adam's parameters bit for bit, and never imports the compiler."""

import subprocess
import sys

import pytest
import torch
from torch import nn

from course_lib.adam import Adam


def _lstm_and_data(dtype):
    torch.manual_seed(0)
    model = nn.LSTM(3, 5, batch_first=True).to(dtype)
    head = nn.Linear(5, 1).to(dtype)
    x = torch.randn(4, 7, 3, dtype=dtype)
    y = torch.randn(4, dtype=dtype)
    return nn.ModuleList([model, head]), x, y


def _train(optimizer_class, dtype, steps, **kwargs):
    modules, x, y = _lstm_and_data(dtype)
    lstm, head = modules
    optimizer = optimizer_class(modules.parameters(), **kwargs)
    for step in range(steps):
        optimizer.zero_grad()
        loss = (head(lstm(x)[0][:, -1]).squeeze(-1) - y).pow(2).mean()
        loss.backward()
        if step % 3 == 2:
            head.bias.grad = None  # a parameter without a gradient is skipped by both
        optimizer.step()
    return [p.detach().clone() for p in modules.parameters()]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(
    "kwargs", [{}, {"lr": 1e-2}, {"lr": 3e-3, "betas": (0.8, 0.99), "eps": 1e-6}]
)
def test_adam_matches_torch_bit_for_bit(dtype, kwargs):
    ours = _train(Adam, dtype, 25, **kwargs)
    theirs = _train(torch.optim.Adam, dtype, 25, **kwargs)
    for a, b in zip(ours, theirs, strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(ours[0], _lstm_and_data(dtype)[0][0].weight_ih_l0)  # it moved


def test_adam_rejects_bad_settings():
    p = [nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([])
    with pytest.raises(ValueError, match="lr must be positive"):
        Adam(p, lr=0.0)
    with pytest.raises(ValueError, match=r"betas must lie in \[0, 1\)"):
        Adam(p, betas=(0.9, 1.0))


@pytest.mark.integration
def test_training_does_not_import_the_compiler():
    """Importing torch._dynamo costs about 2 s, once per notebook kernel; fit must not trigger it."""
    code = (
        "import sys, torch\n"
        "from course_lib.long_range import AddingRegressor, train_adding\n"
        "train_adding(AddingRegressor('lstm', 8), 6, steps=3, test_size=8, progress=False)\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
