"""A report's tree as the ops PyTorch runs, in order, with the tensors between them.

A block is the ops its construct says torch runs (``Construct.memory`` in
:mod:`cnncalc.constructs`): a residual its body, its shortcut and an ``add``; a
concat its branches and a ``cat``; a split a ``chunk`` (a view) per branch; a
side output its branch and a ``side`` op that hands the input on (a view of it)
while reading the branch's end, as an auxiliary loss would. The walk in
:mod:`cnncalc.memory.walk` replays these ops.

A layer that reads named outputs (``add p5``, :mod:`cnncalc.kinds.joins`) is
its kind's join on the current value and the named ones (``mul a,b`` one
``mul`` per name, as torch runs ``x * a * b``); ``from c4`` is no op, just a
jump to the named value.

The graph is flat, as a 100,000-layer network needs it: value 0 is the
network's input, value ``i + 1`` the output of op ``i``; op ``i`` is a layer
(``layers[i]``) or a block's join (``layers[i]`` None, ``joins[i]`` its kind).
"""

from __future__ import annotations

import math

from cnncalc.kinds import KINDS
from cnncalc.kinds.base import How
from cnncalc.layer import Shape
from cnncalc.report import BlockReport, LayerReport, Report, Row


class Graph:
    """The ops in run order: for each, its layer (None for a join), its path,
    the values it reads; and each value's elements per sample."""

    __slots__ = (
        "inputs",
        "joins",
        "layers",
        "leaving",
        "numel",
        "paths",
        "readers",
        "tokens",
        "unread",
    )

    def __init__(self, input_numel: int) -> None:
        self.layers: list[LayerReport | None] = []
        self.paths: list[str] = []
        self.inputs: list[tuple[int, ...]] = []
        self.numel: list[int] = [input_numel]
        self.joins: dict[int, str] = {}  # op → "add", "cat", "mul", "chunk", "crop", "side"
        self.leaving: set[str] = set()  # paths of the named outputs nothing reads
        self.unread: list[tuple[int, Row]] = []  # their values, and their rows
        self.readers: dict[int, LayerReport] = {}  # a join op → the layer that reads names
        self.tokens = False  # the input is int64 token ids (an embedding reads it)

    def __len__(self) -> int:
        return len(self.layers)


def ops(report: Report) -> Graph:
    """The ops of ``report`` in the order PyTorch runs them. The named outputs
    that nothing reads (:attr:`Report.outputs`) are read at the end, as a loss
    over every output would (a ``side`` join each)."""
    graph = Graph(math.prod(report.input_shape))
    graph.tokens = tokens(report)
    graph.leaving = {path for _, path, _ in report.outputs}
    # a report made without a tree is a plain chain of its layers
    x = _seq(report.tree or report.layers, 0, graph)
    for value, row in graph.unread:
        x = _join(graph, "side", row, (x, value), graph.numel[x])
    return graph


def tokens(report: Report) -> bool:
    """Whether the network's input is token ids, int64 (its first layer takes tokens)."""
    return bool(report.layers) and KINDS[report.layers[0].kind].takes_tokens


def input_value_bytes(report: Report, size: int) -> int:
    """Bytes per value of the network's input: 8 for token ids, else ``size``."""
    return 8 if tokens(report) else size


def _seq(rows: tuple[Row, ...], x: int, graph: Graph) -> int:
    layers, paths, inputs, numel = graph.layers, graph.paths, graph.inputs, graph.numel
    prod = math.prod
    named: dict[str, tuple[int, Shape]] | None = None
    for row in rows:
        before = x
        if type(row) is LayerReport:
            if row.layer is not None and row.layer.ref is not None:
                named = named or {}
                x = _read(row, x, named, graph)
            else:
                layers.append(row)
                paths.append(row.path)
                inputs.append((x,))
                numel.append(prod(row.output_shape))
                x = len(layers)
        else:
            x = _block(row, x, graph)  # type: ignore[arg-type]
        if row.name is not None:
            named = named or {}
            # a side output's name is the tensor it hands on: its input, not the view
            # the join makes of it (torch runs no op there)
            if type(row) is LayerReport:
                named[row.name] = (x, row.output_shape)
            else:
                from cnncalc.constructs.base import handed_on, passed

                named[row.name] = (before if handed_on(row) else x, passed(row))
            if row.path in graph.leaving:
                graph.unread.append((x, row))
    return x


def _read(row: LayerReport, x: int, named: dict[str, tuple[int, Shape]], graph: Graph) -> int:
    """A join that reads named outputs (:mod:`cnncalc.kinds.joins`): its kind's op
    on the current value and theirs; ``from`` runs none and goes on from the
    named value, the current one left to be freed (or read at the end, if named
    and nothing reads it)."""
    join = KINDS[row.kind].join
    assert join is not None and row.layer is not None and row.layer.ref is not None
    found = [named[name] for name in row.layer.ref]
    if join.how is How.FROM:
        return found[0][0]
    ends = (x, *(value for value, _ in found))
    if join.how is How.CROP:
        spatial = row.output_shape[1:]
        shapes = (row.input_shape, *(shape for _, shape in found))
        ends = tuple(
            _join(graph, "crop", row, (end,), shape[0] * math.prod(spatial))
            if shape[1:] != spatial
            else end
            for end, shape in zip(ends, shapes, strict=True)
        )
        return _join(graph, "cat", row, ends)
    if join.how is How.MUL:  # x·a·b is (x·a)·b: each partial product is a tensor kept for ·b
        shape = row.input_shape
        for value, named_shape in found[:-1]:
            shape = tuple(max(a, b) for a, b in zip(shape, named_shape, strict=True))
            x = _join(graph, "mul", row, (x, value), math.prod(shape))
        ends = (x, found[-1][0])
    return _join(graph, join.how, row, ends)


def _join(
    graph: Graph, kind: str, block: Row, ends: tuple[int, ...], numel: int | None = None
) -> int:
    graph.joins[len(graph.layers)] = kind
    if isinstance(block, LayerReport):
        graph.readers[len(graph.layers)] = block
    graph.layers.append(None)
    graph.paths.append(block.path)
    graph.inputs.append(ends)
    graph.numel.append(math.prod(block.output_shape) if numel is None else numel)
    return len(graph.layers)


class _Ops:
    """What a construct builds its ops with (:class:`cnncalc.constructs.base.Graph`)."""

    __slots__ = ("graph",)

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def seq(self, rows: tuple[Row, ...], x: int) -> int:
        return _seq(rows, x, self.graph)

    def join(
        self, op: str, block: BlockReport, ends: tuple[int, ...], numel: int | None = None
    ) -> int:
        return _join(self.graph, op, block, ends, numel)

    def numel_of(self, value: int) -> int:
        return self.graph.numel[value]


def _block(block: BlockReport, x: int, graph: Graph) -> int:
    """A block's ops, as its construct runs them (:mod:`cnncalc.constructs`)."""
    from cnncalc.constructs import of  # a network without blocks never needs it

    return of(block.kind).memory(block, x, _Ops(graph))
