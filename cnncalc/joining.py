"""Where paths meet: the one shape rule of each join, for blocks and names alike.

A residual's add and ``add p5``, a concat block and ``cat d1``, a gate block and
``mul g``, ``catcrop[...]`` and ``catcrop d1`` run the same op in PyTorch, so
each pair is decided here by one function: the block constructs
(:mod:`cnncalc.constructs`) and the named joins (:mod:`cnncalc.kinds.joins`)
both call it and only word their messages their own way. A rule takes the
inputs' shapes in the order torch reads them and returns the output's, or
raises :class:`Misfit` with the position of the first input that does not fit.

Broadcasting (``mul``) is torch's: the same rank, and on every axis, channels
included, equal sizes or a size of 1 (a squeeze-and-excitation gate is C×1×1,
a spatial attention map 1×H×W); the output takes the larger size.

Layouts (:class:`~cnncalc.layer.Last`) must agree: a token sequence adds to a
token sequence, not to a channels-first map of the same sizes. A concat joins
channels of channels-first maps only (a features-last input is refused
before it gets here: :func:`cnncalc.kinds.base.layout_refusal`).
"""

from __future__ import annotations

from cnncalc.layer import Last, Shape, features_last


class Misfit(Exception):
    """Input ``index`` (0: the first) does not fit the inputs before it."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def add_shape(shapes: tuple[Shape, ...]) -> Shape:
    """x + y + …: every shape the same."""
    first = shapes[0]
    for j, shape in enumerate(shapes[1:], 1):
        if shape != first or type(shape) is not type(first):
            raise Misfit(j)
    return first


def mul_shape(shapes: tuple[Shape, ...]) -> Shape:
    """x · y · …, broadcast as torch does (see the module's note)."""
    out = shapes[0]
    for j, shape in enumerate(shapes[1:], 1):
        if (
            len(shape) != len(out)
            or features_last(shape) != features_last(shapes[0])
            or any(a != b and a != 1 and b != 1 for a, b in zip(out, shape, strict=True))
        ):
            raise Misfit(j)
        out = tuple(max(a, b) for a, b in zip(out, shape, strict=True))
    return Last(out) if features_last(shapes[0]) else out


def cat_shape(shapes: tuple[Shape, ...]) -> Shape:
    """[x, y, …] on the channel axis: every other size the same, channels first."""
    first = shapes[0]
    for j, shape in enumerate(shapes[1:], 1):
        if shape[1:] != first[1:] or features_last(shape):
            raise Misfit(j)
    return (sum(shape[0] for shape in shapes), *first[1:])


def crop_sizes(shapes: tuple[Shape, ...]) -> Shape:
    """The smallest size on every spatial axis: what a crop-concat cuts all to."""
    return tuple(min(axis) for axis in zip(*(s[1:] for s in shapes), strict=True))


def crop_cat_shape(shapes: tuple[Shape, ...]) -> Shape:
    """U-Net's skip: each input centre-cropped to the smallest size on every
    spatial axis (⌊(W − w)/2⌋ cut before, the rest after), then concatenated;
    every input needs channels and the same spatial axes."""
    first = shapes[0]
    if features_last(first):
        raise Misfit(0)
    for j, shape in enumerate(shapes[1:], 1):
        if len(shape) != len(first) or len(first) < 2 or features_last(shape):
            raise Misfit(j)
    return (sum(shape[0] for shape in shapes), *crop_sizes(shapes))
