"""Joins: layers that read an earlier layer's output by its name.

A layer or block named with ``as NAME`` can be read by the layers after it in
the same list: ``add p5`` adds it to the current tensor (a skip from a named
point), ``cat d1`` and ``catcrop d1`` concatenate it on the channels (the
latter centre-cropping to the smallest size, U-Net's skip), ``mul g`` multiplies
(broadcast as torch does: a C×1×1 gate), and ``from c4`` goes on from it, leaving the
current tensor. FPN, LR-ASPP and U-Net can so be written flat, as their papers
draw them. None of them learns anything or counts a MAC (torch's
FlopCounterMode counts none for add, mul and cat either).

The current tensor comes first: ``cat d1`` is ``torch.cat([x, d1], 1)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cnncalc import joining
from cnncalc.errors import LayerError
from cnncalc.joining import Misfit
from cnncalc.kinds.base import (
    Arg,
    Explainer,
    Helper,
    How,
    Join,
    JoinRule,
    Kind,
    Module,
    Outcome,
    Reads,
)
from cnncalc.layer import LayerSpec, Shape, shape_text
from cnncalc.memory.rules import ADD, CAT, MUL, Behaviour

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def _named(layer: LayerSpec, shapes: tuple[Shape, ...]) -> list[tuple[str, Shape]]:
    """Each input with the word that names it in a message."""
    return list(zip(("the current tensor", *(layer.ref or ())), shapes, strict=True))


def _shown(shape: Shape) -> str:
    return shape_text(shape, "x")


def _rule(shape_of: Callable[[tuple[Shape, ...]], Shape], wording: str) -> JoinRule:
    """A named join's rule: the join's one shape rule (:mod:`cnncalc.joining`, the
    block form's too), its misfit worded with the input's name."""

    def rule(layer: LayerSpec, x: Shape, others: tuple[Shape, ...]) -> Outcome:
        try:
            return Outcome(layer=layer, shape=shape_of((x, *others)))
        except Misfit as misfit:
            name, shape = _named(layer, (x, *others))[misfit.index]
            message = wording.format(name=name, shape=_shown(shape), x=_shown(x))
            raise LayerError(message, "ref") from None

    return rule


add_rule = _rule(
    joining.add_shape,
    "cannot add: {name} is {shape} but the current tensor is {x}; shapes must be equal",
)
"""x + each named output: every shape the same."""
mul_rule = _rule(
    joining.mul_shape,
    "cannot multiply: {name} is {shape} but the current tensor is {x}; each size must be "
    "equal or 1 (torch's broadcasting)",
)
"""x · each named output, broadcast as torch does (a squeeze-and-excitation gate is C×1×1)."""
cat_rule = _rule(
    joining.cat_shape,
    "cannot concatenate: {name} is {shape} but the current tensor is {x}; all but the "
    "channel size must agree (catcrop crops to fit)",
)
"""[x, named...] on the channel axis: every other size the same."""
catcrop_rule = _rule(
    joining.crop_cat_shape,
    "cannot crop and concatenate: {name} is {shape} and the current tensor {x}; both need "
    "channels and the same spatial axes",
)
"""U-Net's skip: each input centre-cropped to the smallest size, then concatenated."""


def from_rule(layer: LayerSpec, x: Shape, others: tuple[Shape, ...]) -> Outcome:
    """The named output itself: the network goes on from there."""
    if len(others) != 1:
        raise LayerError(f"from goes on from one named output, not {len(others)}", "ref")
    return Outcome(layer=layer, shape=others[0])


def _never(layer: LayerSpec, shape: Shape) -> Outcome:
    raise LayerError(f"{layer.kind} reads the outputs it names", "ref")


def _refs(layer: LayerReport) -> tuple[str, ...]:
    return () if layer.layer is None or layer.layer.ref is None else layer.layer.ref


def add_explain(layer: LayerReport) -> list[str]:
    return [f"adds {', '.join(_refs(layer))} element-wise: nothing learned, no MACs"]


def mul_explain(layer: LayerReport) -> list[str]:
    return [
        f"multiplies by {', '.join(_refs(layer))} element-wise (sizes of 1 broadcast): "
        "nothing learned, no MACs"
    ]


def cat_explain(layer: LayerReport) -> list[str]:
    names = ", ".join(_refs(layer))
    channels = layer.output_shape[0] - layer.input_shape[0]
    return [
        f"channels: {layer.input_shape[0]:,} (current) + {channels:,} ({names}) "
        f"= {layer.output_shape[0]:,}"
    ]


def catcrop_explain(layer: LayerReport) -> list[str]:
    sizes = "x".join(str(s) for s in layer.output_shape[1:])
    return [*cat_explain(layer), f"each input centre-cropped to {sizes}"]


def from_explain(layer: LayerReport) -> list[str]:
    shape = shape_text(layer.output_shape, "×")
    return [f"goes on from {_refs(layer)[0]}'s output, {shape}"]


_HELPERS = {
    "AddNamed": '''
class AddNamed(nn.Module):
    """x plus the earlier outputs it is given (a skip from a named layer)."""

    def forward(self, x, *named):
        for y in named:
            x = x + y
        return x
''',
    "MulNamed": '''
class MulNamed(nn.Module):
    """x times the earlier outputs it is given (a gate's C×1×1 broadcast)."""

    def forward(self, x, *named):
        for y in named:
            x = x * y
        return x
''',
    "CatNamed": '''
class CatNamed(nn.Module):
    """x and the earlier outputs it is given, concatenated on the channel axis."""

    def forward(self, x, *named):
        return torch.cat([x, *named], dim=1)
''',
    "CropCatNamed": '''
class CropCatNamed(nn.Module):
    """x and the earlier outputs it is given, each centre-cropped to the smallest
    size on every axis (U-Net's skips), concatenated on the channel axis."""

    def forward(self, x, *named):
        return crop_cat([x, *named])
''',
    "FromNamed": '''
class FromNamed(nn.Module):
    """The earlier output it is given: the network goes on from there."""

    def forward(self, x, named):
        return named
''',
}


CROP_CAT = Helper(
    "crop_cat",
    '''
def crop_cat(ys):
    """Each tensor centre-cropped to the smallest size on every axis (U-Net's
    skips: (W - w) // 2 cut before, the rest after), concatenated on channels."""
    sizes = [min(y.shape[axis] for y in ys) for axis in range(2, ys[0].dim())]
    cropped = []
    for y in ys:
        cut = [(y.shape[axis + 2] - size) // 2 for axis, size in enumerate(sizes)]
        window = [slice(c, c + size) for c, size in zip(cut, sizes)]
        cropped.append(y[(slice(None), slice(None), *window)])
    return torch.cat(cropped, dim=1)
''',
)
"""The crop-concat of ``catcrop NAME`` and of the ``catcrop[...]`` block, written once."""


def _torch(helper: str) -> Callable[[LayerReport], Module]:
    needs = (CROP_CAT,) if helper == "CropCatNamed" else ()

    def torch(_: LayerReport) -> Module:
        return Module(f"{helper}()", (Helper(helper, _HELPERS[helper]), *needs))

    return torch


def _kind(
    name: str,
    how: How,
    rule: JoinRule,
    summary: str,
    explain: Explainer,
    helper: str,
    keeps: Behaviour,
    reads: Reads = Reads.FIRST,
) -> Kind:
    return Kind(
        name,
        Arg.REF,
        _never,
        summary,
        explain,
        _torch(helper),
        memory=keeps,
        join=Join(how, rule),
        reads=reads,
    )


KINDS = (
    _kind(
        "add",
        How.ADD,
        add_rule,
        "adds earlier named outputs (a skip)",
        add_explain,
        "AddNamed",
        ADD,
        Reads.EITHER,
    ),
    _kind(
        "mul",
        How.MUL,
        mul_rule,
        "multiplies by earlier named outputs (a gate)",
        mul_explain,
        "MulNamed",
        MUL,
        Reads.EITHER,
    ),
    _kind(
        "cat",
        How.CAT,
        cat_rule,
        "concatenates earlier named outputs on the channels",
        cat_explain,
        "CatNamed",
        CAT,
    ),
    _kind(
        "catcrop",
        How.CROP,
        catcrop_rule,
        "crops earlier named outputs to fit and concatenates them (U-Net)",
        catcrop_explain,
        "CropCatNamed",
        CAT,
    ),
    _kind(
        "from",
        How.FROM,
        from_rule,
        "goes on from an earlier named output (a branch)",
        from_explain,
        "FromNamed",
        Behaviour(view=True, grads_input=False),
        Reads.EITHER,
    ),
)
