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

from typing import NamedTuple

from cnncalc.kinds import Rational, Reach
from cnncalc.layer import Shape


class Field(NamedTuple):
    """Per spatial axis of the network input; ``whole`` once a layer (fc) sees it all.
    Values stay ints (fast) unless an upsampling layer makes them fractions."""

    sizes: tuple[Rational, ...]
    jumps: tuple[Rational, ...]
    starts: tuple[Rational, ...]
    whole: bool = False


def start(rank: int) -> Field:
    """One input position per axis: the field of the input itself."""
    return Field((1,) * rank, (1,) * rank, (0,) * rank)


def step(field: Field, reach: Reach | None, extents: Shape) -> Field:
    """The field after a layer; ``extents`` is the network input's spatial size."""
    if reach is None or field.whole:
        return field
    if reach.whole or len(reach.spans) != len(field.sizes):
        return Field(extents, (), (), whole=True)
    return Field(
        tuple(
            size + (span - 1) * jump
            for size, span, jump in zip(field.sizes, reach.spans, field.jumps, strict=True)
        ),
        tuple(jump * s for jump, s in zip(field.jumps, reach.steps, strict=True)),
        tuple(
            at + begin * jump
            for at, begin, jump in zip(field.starts, reach.starts, field.jumps, strict=True)
        ),
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
