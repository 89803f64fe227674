"""Receptive fields: how much of the network's input each layer's units see.

The recurrences of Araujo, Norris & Sim, "Computing Receptive Fields of
Convolutional Neural Networks" (Distill, 2019), run forward one layer at a time
from what each layer's rule reports as its :class:`~cnncalc.kinds.Reach`:

    size_out  = size_in + (span − 1) · jump_in
    jump_out  = jump_in · step
    start_out = start_in + start · jump_in

``size`` is in input positions, ``jump`` is how far apart neighbouring units'
fields are, ``start`` where unit 0's field begins (negative: in the padding).
Multi-path blocks keep the largest field of their paths.
"""

from __future__ import annotations

from cnncalc.kinds import Rational, Reach
from cnncalc.layer import Shape
from cnncalc.record import Record


class Field(Record):
    """Per spatial axis of the network input; ``whole`` once a layer (fc) sees it all.
    Values stay ints (fast) unless an upsampling layer makes them fractions."""

    _compared = ("sizes", "jumps", "starts", "whole")
    __slots__ = _compared

    def __init__(
        self,
        sizes: tuple[Rational, ...],
        jumps: tuple[Rational, ...],
        starts: tuple[Rational, ...],
        whole: bool = False,
    ) -> None:
        self.sizes = sizes
        self.jumps = jumps
        self.starts = starts
        self.whole = whole


def start(rank: int) -> Field:
    """One input position per axis: the field of the input itself."""
    return Field((1,) * rank, (1,) * rank, (0,) * rank)


def step(field: Field, reach: Reach | None, extents: Shape) -> Field:
    """The field after a layer; ``extents`` is the network input's spatial size."""
    if reach is None or field.whole:
        return field
    if reach.whole or len(reach.spans) != len(field.sizes):
        return Field(extents, (), (), whole=True)
    # Runs once per layer, so written for speed: list comprehensions (tuple(genexpr)
    # costs twice as much) and zip with no keyword at all (strict=, even False, takes
    # zip off its fast path: +50%). The axes agree in number: checked above for the
    # reach, and kept by Field for its own tuples.
    sizes, jumps, starts = field.sizes, field.jumps, field.starts
    return Field(
        tuple([size + (span - 1) * j for size, span, j in zip(sizes, reach.spans, jumps)]),  # noqa: B905
        tuple([j * s for j, s in zip(jumps, reach.steps)]),  # noqa: B905
        tuple([at + begin * j for at, begin, j in zip(starts, reach.starts, jumps)]),  # noqa: B905
    )


def widest(fields: list[Field]) -> Field:
    """Where paths meet (res, cat): the largest field on each axis."""
    if any(f.whole for f in fields):
        return next(f for f in fields if f.whole)
    first = fields[0]
    if any(len(f.sizes) != len(first.sizes) for f in fields):
        return first
    return Field(
        tuple(max(sizes) for sizes in zip(*(f.sizes for f in fields), strict=True)),
        first.jumps,
        tuple(min(starts) for starts in zip(*(f.starts for f in fields), strict=True)),
    )
