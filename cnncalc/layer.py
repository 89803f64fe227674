"""The parsed form of a network: what the spec said, before any shape is known.

Both front ends (the string syntax in :mod:`cnncalc.spec` and YAML in
:mod:`cnncalc.yamlspec`) produce these objects, so everything downstream is
blind to which one the user wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from cnncalc.errors import Location

DEFAULT_MAX_LAYERS = 1_000_000
"""The most layers one network may have, repeats unrolled; ``--max-layers`` raises it.
It bounds the work of reading a file (YAML aliases) as well as of analysing it."""

Shape = tuple[int, ...]
"""A tensor shape, channels first, batch excluded: ``(C, H, W)``."""

Padding = tuple[int, ...] | str
"""Per-axis padding, or ``"same"`` (Keras/TF rule)."""


Span = Location | tuple[int, int]
"""A Location, or (start, end) in the Origin's own line: cheap to keep for every
layer of a 100,000-layer spec, turned into a Location only for an error."""


@dataclass(slots=True)  # made once per layer of a spec: slots, not frozen, for speed
class Origin:
    """Where a layer came from, so errors can point into the user's text.

    ``span`` covers the layer; ``fields`` the token that set each field;
    ``label`` names the layer in messages (``layer 2 'pool 2 g2'``). Spans given
    as (start, end) pairs lie in ``line`` (of ``where``, for a file).
    """

    span: Span | None = None
    fields: Mapping[str, Span] = field(default_factory=dict)
    label: str = ""
    line: str = ""
    where: str = ""
    index: int = 0

    @property
    def title(self) -> str:
        """``label``, else ``layer 2 'pool 2 g2'`` made from the stage's own text
        (only when a message needs it: most layers never do)."""
        if self.label or self.span is None or isinstance(self.span, Location):
            return self.label
        return f"layer {self.index} '{self.line[self.span[0] : self.span[1]]}'"

    def _location(self, span: Span | None) -> Location | None:
        if span is None or isinstance(span, Location):
            return span
        return Location(self.line, span[0], span[1], self.where)

    @property
    def whole(self) -> Location | None:
        return self._location(self.span)

    def locate(self, name: str | None) -> Location | None:
        """The token that set field ``name``, else the whole layer."""
        if name is not None and name in self.fields:
            return self._location(self.fields[name])
        return self.whole


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 8x faster to make; never mutated
class LayerSpec:
    """One layer as written. ``None`` means "not given: use the kind's default".

    ``size`` is the kernel (conv, local, deconv), the window (pools) or the output
    size (adaptive pool). ``per_axis`` tells whether ``size`` names one value per
    spatial axis (``conv 64x3x3``) or a single value for every axis (``pool 2``);
    only the former fixes the spatial rank of the network's input.
    """

    kind: str
    filters: int | None = None
    size: tuple[int, ...] | None = None
    per_axis: bool = False
    units: int | None = None
    vocab: int | None = None
    value: float | None = None
    stride: tuple[int, ...] | None = None
    padding: Padding | None = None
    dilation: tuple[int, ...] | None = None
    groups: int | None = None
    depthwise: bool = False
    bias: bool = True
    ceil: bool = False
    output_padding: tuple[int, ...] | None = None
    trainable: bool = True
    table: tuple[tuple[int, ...], ...] | None = None
    name: str | None = None
    origin: Origin = field(default_factory=Origin, compare=False, repr=False)


class BlockKind(Enum):
    """How a block combines its parts."""

    SEQ = "seq"  # a named group of layers, run in order (a YAML block's body)
    REPEAT = "repeat"  # [ ... ]*N: the parts, N times
    RES = "res"  # res[ body ; shortcut ]: body(x) + shortcut(x), shortcut defaulting to x
    CAT = "cat"  # cat[ a ; b ; c ]: branches on the same input, joined on channels


@dataclass(frozen=True)
class Block:
    """Layers combined: ``parts`` holds one sequence for SEQ and REPEAT, the body
    and optionally the shortcut for RES, and one sequence per branch for CAT (an
    empty branch is the identity)."""

    kind: BlockKind
    parts: tuple[tuple[Node, ...], ...]
    count: int = 1
    name: str | None = None
    origin: Origin = field(default_factory=Origin, compare=False, repr=False)


def given(layer: LayerSpec) -> dict[str, Any]:
    """The fields ``layer`` sets: those that differ from a bare layer of its kind
    (the origin aside). ``LayerSpec(kind=..., **given(layer))`` equals ``layer``."""
    bare = _BARE.get(layer.kind)
    if bare is None:
        bare = _BARE[layer.kind] = LayerSpec(kind=layer.kind)
    return {
        name: getattr(layer, name)
        for name in _VALUES
        if getattr(layer, name) != getattr(bare, name)
    }


_BARE: dict[str, LayerSpec] = {}
_VALUES = tuple(f for f in LayerSpec.__dataclass_fields__ if f not in ("kind", "origin"))


Node = LayerSpec | Block
"""One item of a sequence: a layer or a block of them."""


def leaves(nodes: Iterable[Node]) -> Iterator[LayerSpec]:
    """Every layer, in the order written (repeats not unrolled)."""
    for node in nodes:
        if isinstance(node, LayerSpec):
            yield node
        else:
            for part in node.parts:
                yield from leaves(part)


def layer_count(nodes: Iterable[Node]) -> int:
    """How many layers the network runs, repeats unrolled."""
    total = 0
    for node in nodes:
        if isinstance(node, LayerSpec):
            total += 1
        else:
            total += node.count * sum(layer_count(part) for part in node.parts)
    return total


class Model(NamedTuple):
    """A named stack of layers and blocks with an optional input shape."""

    layers: tuple[Node, ...]
    name: str = "model"
    input_shape: Shape | None = None
    description: str = ""
