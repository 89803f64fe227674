"""The parsed form of a network: what the spec said, before any shape is known.

Both front ends (the string syntax in :mod:`cnncalc.readers.spec` and YAML in
:mod:`cnncalc.readers.yamlspec`) produce these objects, so everything downstream is
blind to which one the user wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any

from cnncalc.errors import Location
from cnncalc.number import short
from cnncalc.record import Record

DEFAULT_MAX_LAYERS = 10_000
"""The most layers one network may have, repeats unrolled; ``--max-layers`` raises it.
It bounds the work of reading a spec as well as of analysing it: the items of a
spec string (layers, blocks, branches: counted before it is parsed) and of a
YAML file (aliases and block uses expanded). 10,000 is about three times the
deepest real CNN (ResNet-1202 with its bn and relu layers), and keeps the
costliest spec string accepted (16 MiB of distinct stages with every option and
30-digit numbers: about 90 µs a layer from text to JSON) near 1 s on a 2-core
machine, well under the 2 s goal (``benchmarks/bounds.py``)."""

MAX_DIMS = 64
"""The most sizes one ``AxBxC`` may list (an input shape, a kernel, a stride):
counted before the text is split."""
MAX_TABLE = 100_000
"""The most entries of the connection tables (``table=0,1,2/...``) of one spec
string, all tables together: counted (``,`` and ``/``) before it is parsed.
LeNet-5's C3 table, the one real use, has 60."""

MAX_DEPTH = 64
"""Blocks nested deeper than this are refused by default (``--max-depth`` raises
it, up to :data:`DEPTH_CEILING`): no real network comes close."""
DEPTH_CEILING = 200
"""Beyond this the parsers' recursion would reach Python's own limit."""

Shape = tuple[int, ...]
"""A tensor shape, batch excluded: channels first, ``(C, H, W)``, unless it is
:class:`Last`."""


class Last(tuple[int, ...]):
    """A shape whose features are on its last axis: a token sequence ``(N, D)``
    (``tokens``, a transformer's layout: torch's ``(B, N, D)``), or a map with its
    channels last, ``(H, W, C)`` (``permute``). Equal to the plain tuple of the
    same sizes; the layout is the type. A vector ``(D,)`` is never one: it has
    no positions, so its features are first and last alike."""

    __slots__ = ()


def last(values: tuple[int, ...]) -> Shape:
    """``values`` as a features-last shape (a vector stays a plain one)."""
    return Last(values) if len(values) > 1 else tuple(values)


def features_last(shape: Shape) -> bool:
    return type(shape) is Last


def features(shape: Shape) -> int:
    """How many features each position has: the channels of a channels-first
    shape, the last size of a features-last one."""
    return shape[-1] if type(shape) is Last else shape[0]


def positions(shape: Shape) -> Shape:
    """The sizes of the axes that are not the features'."""
    return shape[:-1] if type(shape) is Last else shape[1:]


def with_features(shape: Shape, count: int) -> Shape:
    """``shape`` with ``count`` features instead, in its own layout."""
    if type(shape) is Last:
        return Last((*shape[:-1], count))
    return (count, *shape[1:])


def shape_text(values: tuple[int, ...], sep: str = "×") -> str:
    """A shape or a product written out: ``6×28×28`` (tables), ``6x28x28`` (specs,
    messages, CSV), ``1·10·10`` (the arithmetic of --explain)."""
    return sep.join(str(v) for v in values)


Padding = tuple[int, ...] | str
"""Per-axis padding, or ``"same"`` (Keras/TF rule) or ``"causal"`` (Keras: d·(k−1)
before the input, nothing after)."""


Span = Location | tuple[int, int]
"""A Location, or (start, end) in the Origin's own line: cheap to keep for every
layer of a 100,000-layer spec, turned into a Location only for an error."""

NO_FIELDS: Mapping[str, Span] = MappingProxyType({})
"""The empty, shared ``Origin.fields``."""


class Origin(Record):
    """Where a layer came from, so errors can point into the user's text.

    ``span`` covers the layer; ``fields`` the token that set each field;
    ``label`` names the layer in messages (``layer 2 'pool 2 g2'``). Spans given
    as (start, end) pairs lie in ``line`` (of ``where``, for a file).
    Made once per layer of a spec. A layer's equality leaves its origin out: it
    is equal to the same layer written elsewhere.
    """

    _compared = ("span", "fields", "label", "line", "where", "index")
    __slots__ = _compared

    def __init__(
        self,
        span: Span | None = None,
        fields: Mapping[str, Span] = NO_FIELDS,
        label: str = "",
        line: str = "",
        where: str = "",
        index: int = 0,
    ) -> None:
        self.span = span
        self.fields = fields
        self.label = label
        self.line = line
        self.where = where
        self.index = index

    @property
    def title(self) -> str:
        """``label``, else ``layer 2 'pool 2 g2'`` made from the stage's own text
        (only when a message needs it: most layers never do)."""
        if self.label or self.span is None or isinstance(self.span, Location):
            return self.label
        return f"layer {self.index} '{short(self.line[self.span[0] : self.span[1]], 60)}'"

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


NOWHERE = Origin()
"""The origin of a layer made in code rather than read from a spec."""


class LayerSpec(Record):
    """One layer as written. ``None`` means "not given: use the kind's default".

    ``kernel`` is a convolution's kernel or a pool's window; ``output_size`` an
    adaptive pool's output; ``size`` LRN's neighbourhood; ``units`` a dense
    layer's outputs, ``dim`` and ``vocab`` an embedding's; ``rate`` dropout's
    probability (or drop path's), ``slope`` leaky ReLU's. ``scale`` is an
    upsampling factor per axis and ``mode`` its interpolation (``None``:
    nearest); ``output_size`` also holds an upsampling's target size and a
    reshape's whole output shape. ``ref`` names the earlier outputs a join reads
    (``add p5``, ``cat d1``, ``from c4``; :mod:`cnncalc.kinds.joins`); ``name``
    is the layer's own (``as p5``), by which later layers of its list read it.
    ``affine`` switches a norm's γ and β on or off
    (``None``: the kind's default). ``per_axis`` tells whether the kernel
    or output size names one value per spatial axis (``conv 64x3x3``) or a
    single value for every axis (``pool 2``); only the former fixes the spatial
    rank of the network's input. ``window``, ``shift`` and ``cosine`` are windowed
    attention's (Swin): its window and shift per axis, and Swin V2's cosine
    attention. Equality and hash leave out ``origin``. Never
    mutated once made.
    """

    _compared = (
        "kind",
        "filters",
        "kernel",
        "output_size",
        "size",
        "per_axis",
        "units",
        "dim",
        "vocab",
        "rate",
        "slope",
        "stride",
        "padding",
        "dilation",
        "groups",
        "depthwise",
        "bias",
        "ceil",
        "output_padding",
        "trainable",
        "table",
        "pads",
        "name",
        "affine",
        "mode",
        "scale",
        "ref",
        "heads",
        "order",
        "index",
        "window",
        "shift",
        "cosine",
    )
    __slots__ = (*_compared, "origin")

    @staticmethod
    def _values(layer: LayerSpec) -> tuple[Any, ...]:
        """Hashed and compared for every layer run (the engine's memo key)."""
        return (
            layer.kind,
            layer.filters,
            layer.kernel,
            layer.output_size,
            layer.size,
            layer.per_axis,
            layer.units,
            layer.dim,
            layer.vocab,
            layer.rate,
            layer.slope,
            layer.stride,
            layer.padding,
            layer.dilation,
            layer.groups,
            layer.depthwise,
            layer.bias,
            layer.ceil,
            layer.output_padding,
            layer.trainable,
            layer.table,
            layer.pads,
            layer.name,
            layer.affine,
            layer.mode,
            layer.scale,
            layer.ref,
            layer.heads,
            layer.order,
            layer.index,
            layer.window,
            layer.shift,
            layer.cosine,
        )

    def __init__(
        self,
        kind: str,
        filters: int | None = None,
        kernel: tuple[int, ...] | None = None,
        output_size: tuple[int, ...] | None = None,
        size: int | None = None,
        per_axis: bool = False,
        units: int | None = None,
        dim: int | None = None,
        vocab: int | None = None,
        rate: float | None = None,
        slope: float | None = None,
        stride: tuple[int, ...] | None = None,
        padding: Padding | None = None,
        dilation: tuple[int, ...] | None = None,
        groups: int | None = None,
        depthwise: bool = False,
        bias: bool = True,
        ceil: bool = False,
        output_padding: tuple[int, ...] | None = None,
        trainable: bool = True,
        table: tuple[tuple[int, ...], ...] | None = None,
        pads: tuple[int, ...] | None = None,
        name: str | None = None,
        affine: bool | None = None,
        mode: str | None = None,
        scale: tuple[int, ...] | None = None,
        ref: tuple[str, ...] | None = None,
        heads: int | None = None,
        order: tuple[int, ...] | None = None,
        index: int | None = None,
        window: tuple[int, ...] | None = None,
        shift: tuple[int, ...] | None = None,
        cosine: bool = False,
        origin: Origin = NOWHERE,
    ) -> None:
        self.kind = kind
        self.filters = filters
        self.kernel = kernel
        self.output_size = output_size
        self.size = size
        self.per_axis = per_axis
        self.units = units
        self.dim = dim
        self.vocab = vocab
        self.rate = rate
        self.slope = slope
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.depthwise = depthwise
        self.bias = bias
        self.ceil = ceil
        self.output_padding = output_padding
        self.trainable = trainable
        self.table = table
        self.pads = pads
        self.name = name
        self.affine = affine
        self.mode = mode
        self.scale = scale
        self.ref = ref
        self.heads = heads
        self.order = order
        self.index = index
        self.window = window
        self.shift = shift
        self.cosine = cosine
        self.origin = origin


class BlockKind(str, Enum):
    """How a block combines its parts: each is a construct (:mod:`cnncalc.constructs`).
    A ``str`` too, so a report's ``kind`` compares and prints as its word."""

    SEQ = "seq"  # a named group of layers, run in order (a YAML block's body)
    REPEAT = "repeat"  # [ ... ]*N: the parts, N times
    RES = "res"  # res[ body ; shortcut ]: body(x) + shortcut(x), shortcut defaulting to x
    CAT = "cat"  # cat[ a ; b ; c ]: branches on the same input, joined on channels
    MUL = "mul"  # mul[ gate ]: x * gate(x), the gate's C×1×1 broadcast (squeeze-and-
    # excitation); mul[ a ; gate ]: a(x) * gate(x), both paths reading x (LR-ASPP)
    SPLIT = "split"  # split[ a ; b ]: each branch gets its share of the channels; joined
    CROP = "catcrop"  # catcrop[ a ; b ]: cat, each branch centre-cropped to the smallest size
    SIDE = "side"  # side[ ... ]: a branch ending in an output of its own; x goes on unchanged
    SUM = "sum"  # sum[ a ; b ; c ]: branches on the same input, summed (RepVGG, ACNet)

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Block(Record):
    """Layers combined: ``parts`` holds one sequence for SEQ, REPEAT, MUL (the
    gate) and SIDE (the side branch), the body and optionally the shortcut for
    RES, and one sequence per branch for CAT, SPLIT and CROP (an empty branch is
    the identity). ``shared``: a REPEAT whose repetitions are one module applied
    ``count`` times (recurrent reuse): its parameters count once, its MACs each
    time. Equality and hash leave out ``origin``."""

    _compared = ("kind", "parts", "count", "name", "shared")
    __slots__ = (*_compared, "origin")

    def __init__(
        self,
        kind: BlockKind,
        parts: tuple[tuple[Node, ...], ...],
        count: int = 1,
        name: str | None = None,
        origin: Origin = NOWHERE,
        shared: bool = False,
    ) -> None:
        self.kind = kind
        self.parts = parts
        self.count = count
        self.name = name
        self.origin = origin
        self.shared = shared


def given(layer: LayerSpec) -> dict[str, Any]:
    """The fields ``layer`` sets: those that differ from a bare layer of its kind
    (the origin aside). ``LayerSpec(kind=..., **given(layer))`` equals ``layer``."""
    bare = _BARE.get(layer.kind)
    if bare is None:
        bare = _BARE[layer.kind] = LayerSpec(kind=layer.kind)
    return {
        name: getattr(layer, name) for name in VALUES if getattr(layer, name) != getattr(bare, name)
    }


_BARE: dict[str, LayerSpec] = {}
VALUES = LayerSpec._compared[1:]
"""The fields of a layer besides its kind (and its origin)."""


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


class Model(Record):
    """A named stack of layers and blocks with an optional input shape.

    ``intended``: (path, reason) for each layer whose findings its author knows
    and means (a YAML file's ``intended:``, SqueezeNet's stem that drops the last
    row as torchvision's does): they are notes, with the reason, not warnings."""

    layers: tuple[Node, ...]
    name: str = "model"
    input_shape: Shape | None = None
    description: str = ""
    intended: tuple[tuple[str, str], ...] = ()
