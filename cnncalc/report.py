"""What an analysis produces: one record per layer and the totals.

Plain data, shared by every renderer; nothing here formats text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cnncalc.kinds import Compare
from cnncalc.layer import BlockKind, LayerSpec, Shape
from cnncalc.receptive import Field
from cnncalc.record import Record


class Costs(Record):
    """The additive figures of a layer or a whole network."""

    _compared = ("params", "trainable_params", "buffers", "macs", "connections")
    __slots__ = _compared

    def __init__(
        self,
        params: int = 0,
        trainable_params: int = 0,
        buffers: int = 0,
        macs: int = 0,
        connections: int = 0,
    ) -> None:
        self.params = params
        self.trainable_params = trainable_params
        self.buffers = buffers
        self.macs = macs
        self.connections = connections

    @property
    def flops(self) -> int:
        """One multiply-accumulate is two floating-point operations."""
        return 2 * self.macs

    @staticmethod
    def sum(items: Iterable[Costs]) -> Costs:
        """Field by field, in one pass."""
        p = t = b = m = c = 0
        for x in items:
            p += x.params
            t += x.trainable_params
            b += x.buffers
            m += x.macs
            c += x.connections
        return Costs(p, t, b, m, c)


class LayerReport(Record):
    """One layer as run: ``layer`` is its spec with every per-axis value resolved
    against its input (what ``spec`` prints). ``warnings`` matter (input never
    read); ``notes`` are harmless (unused padding: ``--explain`` and the JSON
    only). Made once per layer run."""

    _compared = (
        "index",
        "kind",
        "spec",
        "input_shape",
        "output_shape",
        "costs",
        "compare",
        "warnings",
        "name",
        "path",
        "depth",
        "layer",
        "field",
        "notes",
    )
    __slots__ = _compared

    def __init__(
        self,
        index: int,
        kind: str,
        spec: str,
        input_shape: Shape,
        output_shape: Shape,
        costs: Costs,
        compare: Compare | None = None,
        warnings: tuple[str, ...] = (),
        name: str | None = None,
        path: str = "",
        depth: int = 1,
        layer: LayerSpec | None = None,
        field: Field | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        self.index = index
        self.kind = kind
        self.spec = spec
        self.input_shape = input_shape
        self.output_shape = output_shape
        self.costs = costs
        self.compare = compare
        self.warnings = warnings
        self.name = name
        self.path = path
        self.depth = depth
        self.layer = layer
        self.field = field
        self.notes = notes


class BlockReport(Record):
    """A block or a named group as run: its label, its subtotal and its paths.
    ``kind`` is the block's construct (:mod:`cnncalc.constructs`: a
    :class:`~cnncalc.layer.BlockKind`, a str that prints as its word).
    ``parts`` holds the rows of each path: one for a group, the body and then
    the shortcut (if any) of a residual, one per branch of a concat, split,
    crop-concat or sum (an empty one is the identity), the
    gate of a mul, the branch of a side output, one per repetition of a repeat
    (``count`` of them; ``shared``: one module applied ``count`` times)."""

    kind: BlockKind
    label: str
    path: str
    depth: int
    input_shape: Shape
    output_shape: Shape
    costs: Costs
    layers: int
    parts: tuple[tuple[Row, ...], ...] = ()
    count: int = 1
    name: str | None = None
    field: Field | None = None
    """The receptive field of the block's output (the widest of its paths')."""
    shared: bool = False


Row = LayerReport | BlockReport
"""A node of the report's tree: a layer, or a block holding rows."""


def preorder(rows: Iterable[Row]) -> Iterator[Row]:
    """Blocks before their layers, in execution order: the nested table's rows."""
    for row in rows:
        yield row
        if isinstance(row, BlockReport):
            for part in row.parts:
                yield from preorder(part)


class Report(Record):
    """A network as run: its layers in execution order (``layers``), and the same
    layers in their blocks (``tree``: the top-level rows). ``side``: what the
    layers of side outputs (``side[...]``) add to ``total``."""

    name: str
    input_shape: Shape
    output_shape: Shape
    layers: tuple[LayerReport, ...]
    total: Costs
    description: str = ""
    spec: str = ""
    tree: tuple[Row, ...] = ()
    input_warnings: tuple[str, ...] = ()
    """Warnings about the input shape itself (channels that look last...)."""
    side: Costs = Costs()
    outputs: tuple[tuple[str, str, Shape], ...] = ()
    """Named outputs that nothing reads after a ``from`` left them (FPN's levels):
    outputs of the network besides its last, as (name, path, shape)."""

    @property
    def macs_main(self) -> int:
        """The MACs of the main path: the total without the side outputs'."""
        return self.total.macs - self.side.macs

    @property
    def rows(self) -> tuple[Row, ...]:
        """Every row of the tree, blocks before their layers (pre-order)."""
        return tuple(preorder(self.tree))

    @property
    def warnings(self) -> list[tuple[int, str]]:
        """The warnings that matter, by layer index (0: the input's)."""
        found = [(0, w) for w in self.input_warnings]
        return found + [(layer.index, w) for layer in self.layers for w in layer.warnings]

    @property
    def notes(self) -> list[tuple[int, str]]:
        """Harmless findings (unused padding), by layer index."""
        return [(layer.index, n) for layer in self.layers for n in layer.notes]

    def _repr_html_(self) -> str:
        """Jupyter's view of a report: the ``--html`` page (diagram, table,
        arithmetic, plots) in a sandboxed frame. Built only when a notebook asks."""
        from cnncalc.render import html

        return html.notebook(self)
