"""Reshaping and resampling, nothing learned, no MACs: ``flatten`` (a view of the
whole tensor as one vector), ``reshape`` (a vector, or any tensor, viewed as
C×H×W…: DCGAN's and VAE decoders' first step), ``upsample`` (torch.nn.Upsample,
by a whole factor or to a size), ``shuffle`` (ShuffleNet's channel shuffle,
torch.nn.ChannelShuffle) and ``pad`` (explicit zero padding, per side:
torch.nn.ConstantPad*d, Keras's ZeroPadding*D)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cnncalc.errors import LayerError
from cnncalc.kinds.base import (
    WHOLE,
    Arg,
    Kind,
    Module,
    Outcome,
    Rational,
    Reach,
    Reads,
    axis_names,
    no_lines,
    ratio,
)
from cnncalc.kinds.window import expand, spatial_of
from cnncalc.layer import LayerSpec, Shape, shape_text
from cnncalc.memory.rules import Behaviour

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def flatten_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    return Outcome(layer=layer, shape=(math.prod(shape),), reach=WHOLE)


def flatten_torch(_: LayerReport) -> Module:
    return Module("nn.Flatten()")


# --- reshape ------------------------------------------------------------------------


def reshape_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """The input's elements, in order, as a tensor of the given shape (channels
    first): their counts must match."""
    target = layer.output_size or ()
    if math.prod(target) != math.prod(shape):
        raise LayerError(
            f"cannot reshape {shape_text(shape, 'x')} ({math.prod(shape):,} values) to "
            f"{shape_text(target, 'x')} ({math.prod(target):,} values)",
            field="output_size",
        )
    return Outcome(layer=layer, shape=target, reach=WHOLE)


def reshape_explain(layer: LayerReport) -> list[str]:
    inputs, outputs = layer.input_shape, layer.output_shape
    return [
        f"values: {shape_text(inputs, '·')} = {math.prod(inputs):,} in, "
        f"{shape_text(outputs, '·')} = {math.prod(outputs):,} out"
    ]


def reshape_torch(layer: LayerReport) -> Module:
    target = layer.output_shape
    unflatten = f"nn.Unflatten(1, {target!r})"
    if len(layer.input_shape) == 1:
        return Module(unflatten)
    return Module(f"nn.Sequential(nn.Flatten(), {unflatten})")


# --- upsample -----------------------------------------------------------------------

_MODE_RANK = {"bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODE_SPAN = {"nearest": 1, "bilinear": 2, "trilinear": 2, "bicubic": 4}
"""Input positions one output reads, per axis: its nearest, the two around it
for linear interpolation, four for cubic."""


def upsample_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """torch.nn.Upsample (align_corners=False): out = W·S for a factor S, or the
    given size. Each output reads the input near (i + ½)·W/out − ½."""
    channels, spatial = spatial_of(shape)
    rank = len(spatial)
    mode = layer.mode or "nearest"
    needed = _MODE_RANK.get(mode)
    if needed is not None and needed != rank:
        raise LayerError(
            f"{mode} interpolates a {needed}-D input, but the input has {rank} spatial axes "
            f"(torch refuses it); nearest works on any",
            field="mode",
        )
    if (layer.scale is None) == (layer.output_size is None):
        raise LayerError(
            "upsample takes a factor or a size, one of them: upsample 2, upsample size=56x56",
            field="scale" if layer.scale is not None else None,
        )
    if layer.scale is not None:
        scale = expand(layer.scale, rank, 1, "factor")
        out = tuple(w * s for w, s in zip(spatial, scale, strict=True))
        resolved = layer.replace(scale=scale)
    else:
        out = expand(layer.output_size, rank, 1, "size")
        resolved = layer.replace(output_size=out)
    return Outcome(
        layer=resolved, shape=(channels, *out), reach=_upsample_reach(mode, spatial, out)
    )


def _upsample_reach(mode: str, spatial: Shape, out: Shape) -> Reach:
    spans, starts = [], []
    for w, o in zip(spatial, out, strict=True):
        span = 1 if mode == "nearest" or w == o else _MODE_SPAN[mode]
        begin: Rational = 0
        if span > 1:  # ((W/O) − 1)/2, less one more position for cubic's wider window
            begin = ratio(w - o, 2 * o) - (1 if span == 4 else 0)
        spans.append(span)
        starts.append(begin)
    return Reach(
        tuple(spans), tuple(ratio(w, o) for w, o in zip(spatial, out, strict=True)), tuple(starts)
    )


def upsample_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    assert spec is not None
    names = (
        ("L",) if len(layer.input_shape) == 2 else ("D", "H", "W")[-(len(layer.input_shape) - 1) :]
    )
    if spec.scale is not None:
        return [
            f"{axis}: {w} × {s} = {o}"
            for axis, w, s, o in zip(
                names, layer.input_shape[1:], spec.scale, layer.output_shape[1:], strict=True
            )
        ]
    return [
        f"{axis}: {w} → {o} (given size)"
        for axis, w, o in zip(names, layer.input_shape[1:], layer.output_shape[1:], strict=True)
    ]


def upsample_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    mode = spec.mode or "nearest"
    corners = "" if mode == "nearest" else ", align_corners=False"
    if spec.scale is not None:
        factor = tuple(float(s) for s in spec.scale)
        return Module(f"nn.Upsample(scale_factor={factor}, mode={mode!r}{corners})")
    return Module(f"nn.Upsample(size={layer.output_shape[1:]!r}, mode={mode!r}{corners})")


# --- shuffle -------------------------------------------------------------------------


def shuffle_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """ShuffleNet's channel shuffle: the C channels seen as G groups of C/G,
    transposed to C/G groups of G. The shape is kept; each output reads one input
    position (torch.nn.ChannelShuffle wants channels and a spatial axis)."""
    groups = layer.groups or 1
    if len(shape) < 2:
        raise LayerError(
            "shuffle needs channels and at least one spatial axis (torch refuses a vector)"
        )
    if shape[0] % groups:
        raise LayerError(
            f"{groups} groups must divide the {shape[0]} input channels", field="groups"
        )
    rank = len(shape) - 1
    return Outcome(layer=layer, shape=shape, reach=Reach((1,) * rank, (1,) * rank, (0,) * rank))


def shuffle_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    assert spec is not None
    groups = spec.groups or 1
    channels = layer.input_shape[0]
    return [
        f"channels: {groups} groups of {channels // groups}, read across: output channel "
        f"k·{groups} + g is input channel g·{channels // groups} + k "
        f"(g < {groups}, k < {channels // groups})"
    ]


def shuffle_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    return Module(f"nn.ChannelShuffle({spec.groups or 1})")


# --- pad ----------------------------------------------------------------------------


def _pairs(layer: LayerSpec, rank: int) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis: one pair given stands for every axis."""
    pads = layer.pads or (0, 0)
    pairs = tuple((pads[i], pads[i + 1]) for i in range(0, len(pads), 2))
    if len(pairs) == 1:
        return pairs * rank
    if len(pairs) != rank:
        raise LayerError(
            f"pad gives {len(pairs)} axes but the input has {rank} spatial axes", field="pads"
        )
    return pairs


def pad_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Zeros before and after each spatial axis: W + before + after."""
    channels, spatial = spatial_of(shape)
    pairs = _pairs(layer, len(spatial))
    out = tuple(w + a + b for w, (a, b) in zip(spatial, pairs, strict=True))
    resolved = layer.replace(pads=tuple(x for pair in pairs for x in pair))
    reach = Reach((1,) * len(spatial), (1,) * len(spatial), tuple(-a for a, _ in pairs))
    return Outcome(layer=resolved, shape=(channels, *out), reach=reach)


def pad_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    assert spec is not None
    pairs = _pairs(spec, len(layer.input_shape) - 1)
    return [
        f"{axis}: {w} + {a} + {b} = {o}"
        for axis, w, (a, b), o in zip(
            axis_names(len(pairs)), layer.input_shape[1:], pairs, layer.output_shape[1:],
            strict=True,
        )
    ]  # fmt: skip


def pad_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None
    pairs = _pairs(spec, len(layer.input_shape) - 1)
    flat = tuple(x for before, after in reversed(pairs) for x in (before, after))  # last axis first
    return Module(f"nn.ConstantPad{len(pairs)}d({flat}, 0.0)")


KINDS = (
    Kind(
        "flatten",
        Arg.NONE,
        flatten_rule,
        "flatten to a vector",
        no_lines,
        flatten_torch,
        memory=Behaviour(view=True),
        sets_rank=True,
        reads=Reads.EITHER,
    ),
    Kind(
        "reshape",
        Arg.SHAPE,
        reshape_rule,
        "view the values as another shape (fc → C×H×W)",
        reshape_explain,
        reshape_torch,
        ("unflatten",),
        memory=Behaviour(view=True),
        sets_rank=True,
        reads=Reads.EITHER,
    ),
    Kind(
        "upsample",
        Arg.FACTOR,
        upsample_rule,
        "upsampling, nothing learned: by a factor or to a size",
        upsample_explain,
        upsample_torch,
        options=frozenset({"mode", "output_size"}),
        memory=Behaviour(),
    ),
    Kind(
        "shuffle",
        Arg.GROUPS,
        shuffle_rule,
        "channel shuffle, nothing learned (ShuffleNet)",
        shuffle_explain,
        shuffle_torch,
        # view, transpose, contiguous: a copy whose backward reads nothing
        memory=Behaviour(),
    ),
    Kind(
        "pad",
        Arg.PADS,
        pad_rule,
        "zero padding, per side (Keras ZeroPadding2D((0, 1), (0, 1)) is pad 0:1x0:1)",
        pad_explain,
        pad_torch,
        ("zeropad",),
        memory=Behaviour(),  # constant_pad_nd's backward needs the sizes alone
    ),
)
