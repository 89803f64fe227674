"""Normalisation: batch norm (``bn``), layer norm over channels (``layernorm``),
group norm (``groupnorm``), instance norm (``instancenorm``) and local response
normalisation (``lrn``). None counts MACs (torch's FlopCounterMode counts none)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from cnncalc.errors import LayerError
from cnncalc.kinds.base import Arg, Helper, Kind, Module, Outcome, no_lines
from cnncalc.kinds.window import spatial_of
from cnncalc.layer import LayerSpec, Shape
from cnncalc.memory_rules import Behaviour

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def affine(layer: LayerSpec, default: bool = True) -> bool:
    """Whether the norm learns γ and β: ``noaffine``/``affine``, else the kind's default."""
    return default if layer.affine is None else layer.affine


def bn_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Batch norm over the channel (or feature) axis: γ and β are parameters
    (none with ``noaffine``: Keras scale=False, center=False), the running mean
    and variance are buffers either way."""
    params = 2 * shape[0] if affine(layer) else 0
    return Outcome(layer=layer, shape=shape, params=params, buffers=2 * shape[0])


def _gamma_beta(layer: LayerReport) -> str:
    c = layer.input_shape[0]
    if layer.costs.params:
        return f"params: 2 × {c} (γ, β) = {layer.costs.params:,}"
    return "params: none (no γ, β)"


def bn_explain(layer: LayerReport) -> list[str]:
    c = layer.input_shape[0]
    return [f"{_gamma_beta(layer)}; buffers: 2 × {c} (mean, variance)"]


def bn_torch(layer: LayerReport) -> Module:
    shape = layer.input_shape
    extra = "" if layer.costs.params else ", affine=False"
    return Module(f"nn.BatchNorm{max(len(shape) - 1, 1)}d({shape[0]}{extra})")


def _norm_rule(default: bool) -> Callable[[LayerSpec, Shape], Outcome]:
    """A norm with γ and β per channel (when affine) and no buffers."""

    def rule(layer: LayerSpec, shape: Shape) -> Outcome:
        return Outcome(
            layer=layer, shape=shape, params=2 * shape[0] if affine(layer, default) else 0
        )

    return rule


def groupnorm_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """torch.nn.GroupNorm: G groups of channels, each normalised over its
    channels and positions; G must divide C."""
    groups = layer.groups or 1
    if shape[0] % groups:
        raise LayerError(
            f"{groups} groups must divide the {shape[0]} input channels", field="groups"
        )
    if shape[0] // groups * math.prod(shape[1:]) == 1:
        raise LayerError(
            "each group would normalise a single value (torch refuses it)", field="groups"
        )
    return _norm_rule(True)(layer, shape)


def instancenorm_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """torch.nn.InstanceNorm*d: each map normalised over its own positions; no
    γ, β by default (``affine`` adds them), no running statistics."""
    _, spatial = spatial_of(shape)
    if math.prod(spatial) == 1:
        raise LayerError("each map would normalise a single value (torch refuses it)")
    return _norm_rule(False)(layer, shape)


def norm_explain(layer: LayerReport) -> list[str]:
    return [_gamma_beta(layer)]


CHANNEL_NORM = Helper(
    "ChannelNorm",
    '''
class ChannelNorm(nn.LayerNorm):
    """LayerNorm over the channel axis at every position (ConvNeXt's LayerNorm2d)."""

    def forward(self, x):
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)
''',
)


def layernorm_torch(layer: LayerReport) -> Module:
    c = layer.input_shape[0]
    extra = "" if layer.costs.params else ", elementwise_affine=False"
    if len(layer.input_shape) == 1:
        return Module(f"nn.LayerNorm({c}{extra})")
    return Module(f"ChannelNorm({c}{extra})", (CHANNEL_NORM,))


def groupnorm_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    extra = "" if layer.costs.params else ", affine=False"
    return Module(f"nn.GroupNorm({spec.groups}, {layer.input_shape[0]}{extra})")


def instancenorm_torch(layer: LayerReport) -> Module:
    shape = layer.input_shape
    extra = ", affine=True" if layer.costs.params else ""
    return Module(f"nn.InstanceNorm{len(shape) - 1}d({shape[0]}{extra})")


def lrn_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Local response normalisation across channels: shape in = shape out. Like
    torch's, it needs at least one spatial axis besides the channels."""
    spatial_of(shape)
    return Outcome(layer=layer, shape=shape)


def lrn_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    return Module(f"nn.LocalResponseNorm({spec.size or 5})")


_NORM = frozenset({"affine", "trainable"})

KINDS = (
    Kind(
        "bn",
        Arg.NONE,
        bn_rule,
        "batch normalisation",
        bn_explain,
        bn_torch,
        ("batchnorm",),
        _NORM,
        memory=Behaviour(saves_input=True, stats=True, weights="pair", running_stats=True),
    ),
    Kind(
        "layernorm",
        Arg.NONE,
        _norm_rule(True),
        "layer normalisation over the channels at each position (ConvNeXt)",
        norm_explain,
        layernorm_torch,
        options=_NORM,
        memory=Behaviour(saves_input=True, autocast="float", weights="pair"),
    ),
    Kind(
        "groupnorm",
        Arg.GROUPS,
        groupnorm_rule,
        "group normalisation",
        norm_explain,
        groupnorm_torch,
        options=_NORM,
        memory=Behaviour(saves_input=True, autocast="float", weights="pair"),
    ),
    Kind(
        "instancenorm",
        Arg.NONE,
        instancenorm_rule,
        "instance normalisation",
        norm_explain,
        instancenorm_torch,
        options=_NORM,
        memory=Behaviour(saves_input=True, stats=True, weights="pair"),
    ),
    Kind(
        "lrn",
        Arg.NEIGHBOURS,
        lrn_rule,
        "local response normalisation",
        no_lines,
        lrn_torch,
        memory=Behaviour(saves_input=True, saves_output=True),
    ),
)
