"""Exercise inputs and outputs as plain JSON, safe to read from an untrusted process.

The stored cases of a check (``cases/<name>.json``) and the results the grader's isolated runner
sends back use this one format. Decoding never runs code from the text (no pickle): it rebuilds
NumPy arrays and torch tensors from base64 bytes of an allowed dtype, tuples, lists, dicts,
numbers and strings, and the one callable input the exercises use, ``DecoderStep``. Anything else
a learner's function returns comes back as ``Unsupported(type name)``, which the comparison
reports as the wrong type.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

_DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8",
    "float16", "float32", "float64", "complex64", "complex128",
}  # fmt: skip
MAX_BYTES = 64 * 2**20
MAX_DEPTH = 32


class DecodeError(ValueError):
    """The text is not a value this format can hold."""


@dataclass(frozen=True)
class Unsupported:
    """Stands for an output of a type the format does not carry (e.g. a generator)."""

    type_name: str


class DecoderStep:
    """A tiny float64 RNN decoder step, an exercise input that is a function.

    ``step(tokens (B,) long, state (B, H)) -> (logits (B, V), new state (B, H))`` with
    ``state' = tanh(embed[tokens] + state @ W)`` and ``logits = state' @ U``.
    """

    def __init__(self, embed: torch.Tensor, W: torch.Tensor, U: torch.Tensor) -> None:
        self.embed, self.W, self.U = embed, W, U

    def __call__(self, tokens: torch.Tensor, state: torch.Tensor):
        state = torch.tanh(self.embed[tokens] + state @ self.W)
        return state @ self.U, state

    def __deepcopy__(self, memo):  # its weights are never modified: copies may share them
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DecoderStep) and all(
            torch.equal(a, b)
            for a, b in zip(
                (self.embed, self.W, self.U), (other.embed, other.W, other.U), strict=True
            )
        )

    __hash__ = object.__hash__


def _array(a: np.ndarray) -> dict:
    a = np.asarray(a, order="C")  # keeps 0-d arrays 0-d (ascontiguousarray makes them 1-d)
    if a.dtype.name not in _DTYPES:
        return {"$": "unsupported", "type": f"array of dtype {a.dtype}"}
    return {
        "dtype": a.dtype.name,
        "shape": list(a.shape),
        "data": base64.b64encode(a.tobytes()).decode("ascii"),
    }


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-ready form of ``value`` (nested tuples, lists, dicts, arrays, tensors, numbers)."""
    if depth > MAX_DEPTH:
        return {"$": "unsupported", "type": "structure nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {"$": "bigint", "text": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$": "float", "text": repr(value)}
    if isinstance(value, np.generic):
        return {"$": "npscalar", **_array(np.asarray(value))}
    if isinstance(value, np.ndarray):
        return {"$": "ndarray", **_array(value)}
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.dtype == torch.bfloat16:
            return {"$": "unsupported", "type": "bfloat16 tensor"}
        return {"$": "tensor", "grad": value.requires_grad, **_array(t.resolve_conj().numpy())}
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$": "dict", "items": {k: encode(v, depth + 1) for k, v in value.items()}}
    if isinstance(value, DecoderStep):
        return {
            "$": "decoder_step",
            "weights": [encode(w) for w in (value.embed, value.W, value.U)],
        }
    return {"$": "unsupported", "type": type(value).__name__}


def _decode_array(obj: dict) -> np.ndarray:
    dtype, shape, data = obj.get("dtype"), obj.get("shape"), obj.get("data")
    if dtype not in _DTYPES or not isinstance(shape, list) or not isinstance(data, str):
        raise DecodeError("malformed array")
    if not all(isinstance(n, int) and 0 <= n for n in shape):
        raise DecodeError("malformed shape")
    size = math.prod(shape) * np.dtype(dtype).itemsize
    if size > MAX_BYTES or len(data) > 2 * MAX_BYTES:
        raise DecodeError("array too large")
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    if len(raw) != size:
        raise DecodeError("array bytes do not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(obj: Any, depth: int = 0) -> Any:
    """The value ``encode`` described; raises ``DecodeError`` on anything else."""
    if depth > MAX_DEPTH:
        raise DecodeError("structure nested too deeply")
    if obj is None or isinstance(obj, (bool, str, int, float)):
        return obj
    if isinstance(obj, list):
        return [decode(v, depth + 1) for v in obj]
    if not isinstance(obj, dict):
        raise DecodeError(f"unexpected {type(obj).__name__}")
    kind = obj.get("$")
    if kind == "bigint":
        return int(obj["text"])
    if kind == "float":
        if obj.get("text") not in ("nan", "inf", "-inf"):
            raise DecodeError("malformed float")
        return float(obj["text"])
    if kind == "ndarray":
        return _decode_array(obj)
    if kind == "npscalar":
        return _decode_array(obj)[()]
    if kind == "tensor":
        t = torch.from_numpy(_decode_array(obj))
        return t.requires_grad_() if obj.get("grad") is True and t.is_floating_point() else t
    if kind == "tuple" and isinstance(obj.get("items"), list):
        return tuple(decode(v, depth + 1) for v in obj["items"])
    if kind == "dict" and isinstance(obj.get("items"), dict):
        return {str(k): decode(v, depth + 1) for k, v in obj["items"].items()}
    if kind == "decoder_step" and isinstance(obj.get("weights"), list) and len(obj["weights"]) == 3:
        weights = [decode(w, depth + 1) for w in obj["weights"]]
        if not all(isinstance(w, torch.Tensor) for w in weights):
            raise DecodeError("malformed decoder step")
        return DecoderStep(*weights)
    if kind == "unsupported":
        return Unsupported(str(obj.get("type", "?"))[:80])
    raise DecodeError(f"unknown kind {kind!r}")
