"""Element-wise layers: activations and dropout. Shape in = shape out, nothing
learned, no MACs (torch's FlopCounterMode counts none either)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cnncalc.kinds.base import Arg, Kind, Module, Outcome, no_lines
from cnncalc.layer import LayerSpec, Shape

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def same_shape_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Shape in = shape out, nothing learned."""
    return Outcome(layer=layer, shape=shape)


def _fixed(code: str) -> Callable[[LayerReport], Module]:
    def torch(_: LayerReport) -> Module:
        return Module(code)

    return torch


def _with_value(module: str, field: str, default: float) -> Callable[[LayerReport], Module]:
    """``nn.Dropout(0.2)``: the layer's number, or torch's default."""

    def torch(layer: LayerReport) -> Module:
        given = getattr(layer.layer, field, None)
        value = default if given is None else given
        return Module(f"nn.{module}({value!r})")

    return torch


ACTIVATIONS = {
    "relu": "nn.ReLU()",
    "relu6": "nn.ReLU6()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "gelu": "nn.GELU()",
    "silu": "nn.SiLU()",
    "hardswish": "nn.Hardswish()",
    "softmax": "nn.Softmax(dim=1)",
}

KINDS = (
    Kind(
        "dropout",
        Arg.RATE,
        same_shape_rule,
        "dropout",
        no_lines,
        _with_value("Dropout", "rate", 0.5),
    ),
    Kind(
        "leakyrelu",
        Arg.SLOPE,
        same_shape_rule,
        "leaky ReLU",
        no_lines,
        _with_value("LeakyReLU", "slope", 0.01),
    ),
    *(
        Kind(name, Arg.NONE, same_shape_rule, f"{name} activation", no_lines, _fixed(code))
        for name, code in ACTIVATIONS.items()
    ),
)
