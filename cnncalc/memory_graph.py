"""A report's rows as the ops PyTorch runs, in order, with the tensors between them.

Residual blocks become their body, their shortcut and an ``add``; concat blocks
their branches and a ``cat`` (an empty branch passes the block's input through).
The walk in :mod:`cnncalc.memory_walk` replays these ops.
"""

from __future__ import annotations

import math

from cnncalc.memory_rules import ADD, CAT, Behaviour, behaviour
from cnncalc.report import BlockReport, LayerReport, Report, Row


class Value:
    """One tensor an op makes: ``numel`` elements per sample. Values on one
    storage (an in-place op's output, a view) share ``storage``."""

    __slots__ = ("consumers", "numel", "producer", "storage")

    def __init__(self, numel: int, producer: int) -> None:
        self.numel = numel
        self.storage: int = -1
        self.consumers: list[int] = []
        self.producer = producer  # the op that made it, -1 for the network's input


class Op:
    """A layer, or a block's join (``add``, ``cat``)."""

    __slots__ = ("inputs", "kind", "layer", "output", "path", "rule", "work")

    def __init__(self, kind: str, layer: LayerReport | None, inputs: list[Value], path: str):
        self.kind = kind
        self.layer = layer
        self.inputs = inputs
        self.output: Value = Value(0, -1)
        self.path = path
        self.rule: Behaviour = ADD if kind == "add" else CAT if kind == "cat" else behaviour(kind)
        self.work = 0  # cuDNN's workspace while it runs, set by the walk


class Node:
    """A row with its children grouped into branches (by the path part after the block's)."""

    __slots__ = ("branches", "row")

    def __init__(self, row: Row) -> None:
        self.row = row
        self.branches: dict[str, list[Node]] = {}


def tree(rows: tuple[Row, ...]) -> list[Node]:
    top: list[Node] = []
    stack: list[Node] = []
    for row in rows:
        while stack and stack[-1].row.depth >= row.depth:
            stack.pop()
        node = Node(row)
        if stack:
            parent = stack[-1].row
            key = row.path[len(parent.path) + 1 :].split(".")[0] if parent.kind != "seq" else ""
            if parent.kind == "repeat":
                key = ""
            stack[-1].branches.setdefault(key, []).append(node)
        else:
            top.append(node)
        if isinstance(row, BlockReport):
            stack.append(node)
    return top


def ops(report: Report) -> tuple[list[Op], Value]:
    """The ops in the order PyTorch runs them, and the network's input."""
    # a report made without rows is a plain chain of its layers
    nodes = tree(report.rows) if report.rows else [Node(layer) for layer in report.layers]
    x = Value(math.prod(report.input_shape), -1)
    out: list[Op] = []
    _seq(nodes, x, out)
    return out, x


def _emit(out: list[Op], op: Op, numel: int) -> Value:
    index = len(out)
    for value in op.inputs:
        value.consumers.append(index)
    op.output = Value(numel, index)
    out.append(op)
    return op.output


def _seq(nodes: list[Node], x: Value, out: list[Op]) -> Value:
    for node in nodes:
        x = _node(node, x, out)
    return x


def _node(node: Node, x: Value, out: list[Op]) -> Value:
    row = node.row
    if isinstance(row, LayerReport):
        return _emit(out, Op(row.kind, row, [x], row.path), math.prod(row.output_shape))
    numel = math.prod(row.output_shape)
    if row.kind == "res":
        body = _seq(node.branches.get("body", []), x, out)
        other = _seq(node.branches.get("shortcut", []), x, out)
        return _emit(out, Op("add", None, [body, other], row.path), numel)
    if row.kind == "cat":
        ends = [_seq(branch, x, out) for branch in node.branches.values()]
        made = sum(end.numel for end in ends)
        if made < numel and x.numel:  # empty branches hand on the block's input
            ends += [x] * round((numel - made) / x.numel)
        return _emit(out, Op("cat", None, ends, row.path), numel)
    return _seq(node.branches.get("", []), x, out)
