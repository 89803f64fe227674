"""Normalisation: batch norm (``bn``) and local response normalisation (``lrn``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.kinds.base import Arg, Kind, Module, Outcome, no_lines
from cnncalc.kinds.window import spatial_of
from cnncalc.layer import LayerSpec, Shape

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def bn_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Batch norm over the channel (or feature) axis: γ and β are parameters,
    the running mean and variance are buffers."""
    return Outcome(layer=layer, shape=shape, params=2 * shape[0], buffers=2 * shape[0])


def bn_explain(layer: LayerReport) -> list[str]:
    c = layer.input_shape[0]
    return [f"params: 2 × {c} (γ, β) = {layer.costs.params:,}; buffers: 2 × {c} (mean, variance)"]


def bn_torch(layer: LayerReport) -> Module:
    shape = layer.input_shape
    return Module(f"nn.BatchNorm{max(len(shape) - 1, 1)}d({shape[0]})")


def lrn_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Local response normalisation across channels: shape in = shape out. Like
    torch's, it needs at least one spatial axis besides the channels."""
    spatial_of(shape)
    return Outcome(layer=layer, shape=shape)


def lrn_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    return Module(f"nn.LocalResponseNorm({spec.size or 5})")


KINDS = (
    Kind(
        "bn",
        Arg.NONE,
        bn_rule,
        "batch normalisation",
        bn_explain,
        bn_torch,
        ("batchnorm",),
        frozenset({"trainable"}),
    ),
    Kind("lrn", Arg.NEIGHBOURS, lrn_rule, "local response normalisation", no_lines, lrn_torch),
)
