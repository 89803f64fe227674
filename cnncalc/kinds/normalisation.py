"""Normalisation: batch norm (``bn``), layer norm over channels (``layernorm``),
group norm (``groupnorm``), instance norm (``instancenorm``) and local response
normalisation (``lrn``). None counts MACs (torch's FlopCounterMode counts none)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from cnncalc.errors import LayerError
from cnncalc.kinds.base import Arg, Helper, Kind, Module, Outcome, Reads, no_lines
from cnncalc.kinds.window import spatial_of
from cnncalc.layer import LayerSpec, Shape, features, features_last, positions
from cnncalc.memory.rules import Behaviour, Saved

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
    c = features(layer.input_shape)
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
            layer=layer, shape=shape, params=2 * features(shape) if affine(layer, default) else 0
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
    c = features(layer.input_shape)
    extra = "" if layer.costs.params else ", elementwise_affine=False"
    if len(layer.input_shape) == 1 or features_last(layer.input_shape):
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


def _moments(per_sample: int, nbytes: int) -> tuple[tuple[int, int], ...]:
    """A norm's mean and inverse std, kept for backward: ``per_sample`` values
    each (per position, group or channel), float32 (``nbytes`` 4) or the op's dtype (0)."""
    return ((per_sample, nbytes), (per_sample, nbytes))


def _per_position(layer: LayerReport) -> Saved:
    """layer_norm's mean and inverse std, float32 (CUDA's accumulation type). It
    keeps its input as given: the emitted ChannelNorm's ``movedim`` view of it."""
    return Saved(_moments(math.prod(positions(layer.input_shape)), 4))


def _per_group(layer: LayerReport) -> Saved:
    """group_norm's, in its input's dtype (as CUDA's kernel allocates them)."""
    spec = layer.layer
    return Saved(_moments((spec.groups or 1) if spec is not None else 1, 0))


def _per_channel(layer: LayerReport) -> Saved:
    """instance norm runs as batch norm over N·C channels: float32 per sample and
    channel; with γ and β it keeps γ repeated per sample (``weight.repeat(N)``)."""
    channels = layer.input_shape[0]
    repeated = ((channels, 0),) if layer.costs.params else ()
    return Saved((*_moments(channels, 4), *repeated))


def _lrn_saved(layer: LayerReport) -> Saved:
    """What ``F.local_response_norm``'s ops keep besides its input (which the
    square and the division read): the channel-padded squares (average-pooled
    over the neighbourhood: C + size − 1 channels), the ``k + α·mean`` that
    ``pow`` reads, and the ``pow`` result the division reads."""
    spec = layer.layer
    size = (spec.size or 1) if spec is not None else 1
    channels, *spatial = layer.input_shape
    numel = math.prod(layer.input_shape)
    return Saved((((channels + size - 1) * math.prod(spatial), 0), (numel, 0), (numel, 0)))


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
        "layer normalisation over the channels at each position (ConvNeXt; a token's features)",
        norm_explain,
        layernorm_torch,
        options=_NORM,
        memory=Behaviour(
            saves_input=True,
            autocast="float",
            weights="pair",
            saved=_per_position,
        ),
        reads=Reads.EITHER,
    ),
    Kind(
        "groupnorm",
        Arg.GROUPS,
        groupnorm_rule,
        "group normalisation",
        norm_explain,
        groupnorm_torch,
        options=_NORM,
        memory=Behaviour(
            saves_input=True,
            autocast="float",
            weights="pair",
            saved=_per_group,
        ),
    ),
    Kind(
        "instancenorm",
        Arg.NONE,
        instancenorm_rule,
        "instance normalisation",
        norm_explain,
        instancenorm_torch,
        options=_NORM,
        memory=Behaviour(saves_input=True, weights="pair", saved=_per_channel),
    ),
    Kind(
        "lrn",
        Arg.NEIGHBOURS,
        lrn_rule,
        "local response normalisation",
        no_lines,
        lrn_torch,
        memory=Behaviour(saves_input=True, saved=_lrn_saved),
    ),
)
