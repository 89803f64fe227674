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

The numbers are exact, and bounded: once a size, jump or start (a fraction's
numerator or denominator) passes 10^30 (:data:`~cnncalc.number.LIMIT`), the
field is marked ``beyond`` and no longer worked out, until a layer that sees the
whole input (unbounded, ``[deconv 1x1 s999…]*9999`` made a jump whose
denominator gained 100 bits a layer). The check is cheap: while the values are
ints, each field carries an upper bound on them, which a layer multiplies by
its reach's growth; only a bound past 10^30 (or a fraction) makes the values
be looked at one by one.
"""

from __future__ import annotations

from cnncalc.kinds import Rational, Reach
from cnncalc.layer import Shape
from cnncalc.number import LIMIT
from cnncalc.record import Record

UNKNOWN = LIMIT + 1
"""A :attr:`Field.bound` or :attr:`~cnncalc.kinds.Reach.growth` that makes the next
step check the values one by one: for fractions, or when no bound is known."""


class Field(Record):
    """Per spatial axis of the network input; ``whole`` once a layer (fc) sees it all,
    ``beyond`` once one of its numbers passes 10^30 (the values are then the first
    ones past it, which no renderer shows). Values stay ints (fast) unless an
    upsampling layer makes them fractions. ``bound`` is at least every value's
    magnitude while they are ints (:data:`UNKNOWN` otherwise); equality leaves it out."""

    _compared = ("sizes", "jumps", "starts", "whole", "beyond")
    __slots__ = (*_compared, "bound")

    def __init__(
        self,
        sizes: tuple[Rational, ...],
        jumps: tuple[Rational, ...],
        starts: tuple[Rational, ...],
        whole: bool = False,
        beyond: bool = False,
        bound: int = UNKNOWN,
    ) -> None:
        self.sizes = sizes
        self.jumps = jumps
        self.starts = starts
        self.whole = whole
        self.beyond = beyond
        self.bound = bound


def start(rank: int) -> Field:
    """One input position per axis: the field of the input itself."""
    return Field((1,) * rank, (1,) * rank, (0,) * rank, bound=1)


def step(field: Field, reach: Reach | None, extents: Shape) -> Field:
    """The field after a layer; ``extents`` is the network input's spatial size."""
    if reach is None or field.whole:
        return field
    if reach.whole or len(reach.spans) != len(field.sizes):
        return Field(extents, (), (), whole=True)
    if field.beyond:
        return field
    # Runs once per layer, so written for speed: list comprehensions (tuple(genexpr)
    # costs twice as much) and zip with no keyword at all (strict=, even False, takes
    # zip off its fast path: +50%). The axes agree in number: checked above for the
    # reach, and kept by Field for its own tuples.
    sizes, jumps, starts = field.sizes, field.jumps, field.starts
    new_sizes = tuple([size + (span - 1) * j for size, span, j in zip(sizes, reach.spans, jumps)])  # noqa: B905
    new_jumps = tuple([j * s for j, s in zip(jumps, reach.steps)])  # noqa: B905
    new_starts = tuple([at + begin * j for at, begin, j in zip(starts, reach.starts, jumps)])  # noqa: B905
    bound = field.bound * (reach.growth or _growth(reach))
    if bound <= LIMIT:  # the common case: one product and one comparison
        return Field(new_sizes, new_jumps, new_starts, False, False, bound)
    return _checked(new_sizes, new_jumps, new_starts)


def _growth(reach: Reach) -> int:
    """How many times larger than its input field's largest value the layer's can
    be: a size becomes at most span·B, a jump step·B, a start (1 + |begin|)·B.
    :data:`UNKNOWN` when a step or start is a fraction. Worked out once a reach."""
    steps = [s for s in reach.steps if type(s) is int]
    begins = [1 + abs(b) for b in reach.starts if type(b) is int]
    exact = len(steps) == len(reach.steps) and len(begins) == len(reach.starts)
    reach.growth = max((*reach.spans, *steps, *begins), default=1) if exact else UNKNOWN
    return reach.growth


def _checked(
    sizes: tuple[Rational, ...], jumps: tuple[Rational, ...], starts: tuple[Rational, ...]
) -> Field:
    """The field of these values, ``beyond`` if one passes 10^30, looked at one by one."""
    values = (*sizes, *jumps, *starts)
    ints = [abs(v) for v in values if type(v) is int]
    if len(ints) == len(values):
        top = max(ints, default=0)  # the exact bound
        return Field(sizes, jumps, starts, False, top > LIMIT, top)
    within = all(-LIMIT <= v.numerator <= LIMIT and v.denominator <= LIMIT for v in values)
    return Field(sizes, jumps, starts, False, not within)


def cropped(field: Field, cut: list[int]) -> Field:
    """The field once ``cut`` positions are cropped off the start of each axis
    (``catcrop``): where unit 0's field starts moves, its size does not."""
    if field.whole or field.beyond or not any(cut):
        return field
    starts = tuple(a + c * j for a, c, j in zip(field.starts, cut, field.jumps, strict=True))
    return _checked(field.sizes, field.jumps, starts)


def widest(fields: list[Field]) -> Field:
    """Where paths meet (res, cat, mul): on each axis, the union of what unit 0 of
    each path sees, from the first start to the last end; the first field's jump
    (a broadcast operand's comes later: see :func:`joined`)."""
    if any(f.whole or f.beyond for f in fields):  # the widest, or one not worked out
        return next((f for f in fields if f.whole), None) or next(f for f in fields if f.beyond)
    first = fields[0]
    if any(len(f.sizes) != len(first.sizes) for f in fields):
        return first
    if len(fields) == 1:
        return first
    starts = tuple(min(axis) for axis in zip(*(f.starts for f in fields), strict=True))
    ends = zip(
        *([a + n for a, n in zip(f.starts, f.sizes, strict=True)] for f in fields), strict=True
    )
    sizes = tuple(max(axis) - start for axis, start in zip(ends, starts, strict=True))
    return _checked(sizes, first.jumps, starts)


def joined(states: list[tuple[Shape, Field]], out: Shape) -> Field:
    """The field of a join's output: :func:`widest`, the inputs of the output's
    own size first, so that a broadcast operand (a C×1×1 gate) lends no jump."""
    full = [seen for shape, seen in states if shape[1:] == out[1:]]
    rest = [seen for shape, seen in states if shape[1:] != out[1:]]
    return widest(full + rest)


State = tuple[Shape, Field]
"""What flows from layer to layer: the tensor's shape and its units' receptive field."""


def cropped_fields(inputs: list[State], sizes: Shape) -> list[Field]:
    """Each input's field once centre-cropped to ``sizes`` (a crop-concat, block or
    named): a crop moves where the first unit's field starts, not its size."""
    return [
        cropped(seen, [(w - s) // 2 for w, s in zip(shape[1:], sizes, strict=True)])
        for shape, seen in inputs
    ]
