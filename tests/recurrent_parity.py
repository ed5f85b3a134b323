"""Shared test helper: prove a course recurrent module equal to a reference, torch.nn's twin.

``assert_matches_torch`` loads torch's weights into the course module, runs both on the same
random input (and initial state), and compares outputs, final states and the gradients of the
input, the initial state and every parameter; ``assert_modules_agree`` does the same against
any reference with torch's constructor and parameter names (a course layer run another way),
and can compare the gates too. ``LAYER_CONFIGS`` is the grid of layer options the per-model
tests sweep.
"""

import itertools

import torch
from torch import Tensor, nn

# float64 rounds at 1.1e-16: the same equations computed in another order (torch's kernels)
# agree to about 1e-14 over these short sequences, so 1e-10 relative leaves room and still
# catches any wrong term. float32 rounds at 6e-8: the two sides round differently at every
# operation (fused multiply-adds, another order of the sums over time and batch in the weight
# gradients) and the recurrence carries the differences on through the steps. Measured for the
# LSTM (sequences of 4 to 50 steps): every difference stays below 1e-6 of its tensor's largest
# entry, and values and gradients are O(1) to O(10), so 1e-5 relative with 1e-5 absolute (for an
# entry that cancels to near 0) leaves a tenfold margin; a wrong term differs by O(0.1).
TOLERANCES = {torch.float64: (1e-10, 1e-12), torch.float32: (1e-5, 1e-5)}  # (rtol, atol)
RTOL, ATOL = TOLERANCES[torch.float64]

LAYER_CONFIGS = [
    {"num_layers": layers, "bidirectional": bidirectional, "batch_first": batch_first, "bias": bias}
    for layers, bidirectional, batch_first, bias in itertools.product(
        (1, 2), (False, True), (False, True), (True, False)
    )
]


def config_id(config: dict) -> str:
    """Name a constructor config for pytest ids, e.g. ``L2-bidir-batch_first-nobias``."""
    parts = [f"L{config.get('num_layers', 1)}"]
    parts += ["bidir"] if config.get("bidirectional") else []
    parts += ["batch_first"] if config.get("batch_first") else []
    parts += [] if config.get("bias", True) else ["nobias"]
    parts += [config["nonlinearity"]] if "nonlinearity" in config else []
    return "-".join(parts)


def _flatten(result) -> list[Tensor]:
    """Flatten a module's nested tuple result into a list of tensors."""
    if isinstance(result, Tensor):
        return [result]
    return [t for part in result for t in _flatten(part)]


def _close(name: str, ours: Tensor, theirs: Tensor, rtol: float = RTOL, atol: float = ATOL):
    torch.testing.assert_close(ours, theirs, rtol=rtol, atol=atol, msg=lambda m: f"{name}: {m}")


def make_pair(
    course_class,
    torch_class,
    input_size: int = 3,
    hidden_size: int = 5,
    dtype: torch.dtype = torch.float64,
    **kwargs,
):
    """Return (course module, reference module) in ``dtype`` with the reference's random weights
    in both; the reference is torch's twin or any module with the same parameter names."""
    theirs = torch_class(input_size, hidden_size, **kwargs).to(dtype)
    ours = course_class(input_size, hidden_size, **kwargs).to(dtype)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def assert_modules_agree(
    course_class,
    reference_class,
    *,
    with_hx: bool = False,
    batched: bool = True,
    batch: int = 3,
    time: int = 4,
    input_size: int = 3,
    hidden_size: int = 5,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    tolerance: tuple[float, float] | None = None,
    return_gates: bool = False,
    **kwargs,
) -> None:
    """Assert that two modules agree on outputs, final states and all gradients.

    Works for cells (input (B, I) or unbatched (I,)) and layers (input (T, B, I), (B, T, I)
    when batch_first, or unbatched (T, I)); ``kwargs`` go to both constructors. ``tolerance``
    is (rtol, atol), by default ``TOLERANCES[dtype]``. With ``return_gates`` (both modules
    course modules) their gates are compared too; the gradients flow from outputs and states.
    """
    rtol, atol = tolerance or TOLERANCES[dtype]
    torch.manual_seed(seed)
    ours, theirs = make_pair(
        course_class, reference_class, input_size, hidden_size, dtype=dtype, **kwargs
    )
    is_cell = isinstance(theirs, nn.RNNCellBase)
    num_states = ours.num_states

    if is_cell:
        x_shape = (batch, input_size) if batched else (input_size,)
        h_shape = (batch, hidden_size) if batched else (hidden_size,)
    else:
        layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        leading = (batch, time) if kwargs.get("batch_first") else (time, batch)
        x_shape = (*leading, input_size) if batched else (time, input_size)
        h_shape = (layers, batch, hidden_size) if batched else (layers, hidden_size)
    x = torch.randn(x_shape, dtype=dtype)
    states = [torch.randn(h_shape, dtype=dtype) for _ in range(num_states)]

    def run(module: nn.Module) -> tuple[list[Tensor], dict[str, Tensor], Tensor, list[Tensor]]:
        x_leaf = x.clone().requires_grad_(True)
        h_leaves = [s.clone().requires_grad_(True) for s in states]
        if not with_hx:
            hx = None
        else:
            hx = h_leaves[0] if num_states == 1 else tuple(h_leaves)
        result = module(x_leaf, hx, return_gates=True) if return_gates else module(x_leaf, hx)
        gates = {k: g.detach() for k, g in result[-1]._asdict().items()} if return_gates else {}
        outputs = _flatten(result[:-1] if return_gates else result)
        generator = torch.Generator().manual_seed(seed + 1)
        upstream = [torch.randn(o.shape, dtype=o.dtype, generator=generator) for o in outputs]
        sum((o * g).sum() for o, g in zip(outputs, upstream, strict=True)).backward()
        return outputs, gates, x_leaf.grad, [h.grad for h in h_leaves]

    our_out, our_gates, our_dx, our_dh = run(ours)
    their_out, their_gates, their_dx, their_dh = run(theirs)
    assert len(our_out) == len(their_out), f"{len(our_out)} results, reference {len(their_out)}"
    for k, (a, b) in enumerate(zip(our_out, their_out, strict=True)):
        _close(f"result {k}", a, b, rtol, atol)
    assert our_gates.keys() == their_gates.keys()
    for name, gate in our_gates.items():
        _close(f"gate {name}", gate, their_gates[name], rtol, atol)
    _close("input gradient", our_dx, their_dx, rtol, atol)
    if with_hx:
        for k, (a, b) in enumerate(zip(our_dh, their_dh, strict=True)):
            _close(f"initial state {k} gradient", a, b, rtol, atol)
    their_params = dict(theirs.named_parameters())
    our_params = dict(ours.named_parameters())
    assert our_params.keys() == their_params.keys()
    for name, param in our_params.items():
        _close(f"{name} gradient", param.grad, their_params[name].grad, rtol, atol)


def assert_matches_torch(course_class, torch_class, **options) -> None:
    """Assert that a course module and its torch.nn twin agree: :func:`assert_modules_agree`."""
    assert_modules_agree(course_class, torch_class, **options)


def assert_state_dict_round_trip(course_class, torch_class, **kwargs) -> None:
    """Assert that state dicts load both ways (same names and shapes) and give equal outputs."""
    ours, theirs = make_pair(course_class, torch_class, **kwargs)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in theirs.state_dict().items()
    ]
    fresh_torch = torch_class(3, 5, **kwargs).double()
    fresh_torch.load_state_dict(ours.state_dict())
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    if isinstance(theirs, nn.RNNCellBase):
        x = x[0]
    for a, b in zip(_flatten(ours(x)), _flatten(fresh_torch(x)), strict=True):
        _close("output after loading the course state dict into torch", a, b)
