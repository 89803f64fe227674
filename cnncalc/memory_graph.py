"""A report's tree as the ops PyTorch runs, in order, with the tensors between them.

Residual blocks become their body, their shortcut and an ``add``; concat blocks
their branches and a ``cat`` (an empty branch passes the block's input through).
A gate (``mul[...]``) is its path and a ``mul`` of the input by the gate; a
split is a ``chunk`` of the input per branch (a view), the branches and a
``cat``; a crop-concat is its branches, a ``crop`` (a view) of each one larger
than the smallest, and a ``cat``; a side output is its branch and a ``side``
join that hands the input on (a view of it) while reading the branch's end, as
an auxiliary loss would. The walk in :mod:`cnncalc.memory_walk` replays these ops.

The graph is flat, as a 100,000-layer network needs it: value 0 is the
network's input, value ``i + 1`` the output of op ``i``; op ``i`` is a layer
(``layers[i]``) or a block's join (``layers[i]`` None, ``joins[i]`` its kind).
"""

from __future__ import annotations

import math

from cnncalc.report import BlockReport, LayerReport, Report, Row


class Graph:
    """The ops in run order: for each, its layer (None for a join), its path,
    the values it reads; and each value's elements per sample."""

    __slots__ = ("inputs", "joins", "layers", "numel", "paths")

    def __init__(self, input_numel: int) -> None:
        self.layers: list[LayerReport | None] = []
        self.paths: list[str] = []
        self.inputs: list[tuple[int, ...]] = []
        self.numel: list[int] = [input_numel]
        self.joins: dict[int, str] = {}  # op → "add", "cat", "mul", "chunk", "crop", "side"

    def __len__(self) -> int:
        return len(self.layers)


def ops(report: Report) -> Graph:
    """The ops of ``report`` in the order PyTorch runs them."""
    graph = Graph(math.prod(report.input_shape))
    # a report made without a tree is a plain chain of its layers
    _seq(report.tree or report.layers, 0, graph)
    return graph


def _seq(rows: tuple[Row, ...], x: int, graph: Graph) -> int:
    layers, paths, inputs, numel = graph.layers, graph.paths, graph.inputs, graph.numel
    prod = math.prod
    for row in rows:
        if type(row) is LayerReport:
            layers.append(row)
            paths.append(row.path)
            inputs.append((x,))
            numel.append(prod(row.output_shape))
            x = len(layers)
        else:
            x = _block(row, x, graph)  # type: ignore[arg-type]
    return x


def _join(
    graph: Graph, kind: str, block: BlockReport, ends: tuple[int, ...], numel: int | None = None
) -> int:
    graph.joins[len(graph.layers)] = kind
    graph.layers.append(None)
    graph.paths.append(block.path)
    graph.inputs.append(ends)
    graph.numel.append(math.prod(block.output_shape) if numel is None else numel)
    return len(graph.layers)


def _end(part: tuple[Row, ...], block: BlockReport) -> tuple[int, ...]:
    """The shape a path ends with (an empty one hands on the block's input)."""
    return part[-1].output_shape if part else block.input_shape


def _block(block: BlockReport, x: int, graph: Graph) -> int:
    parts = block.parts
    if block.kind == "res":
        body = _seq(parts[0], x, graph) if parts else x
        other = _seq(parts[1], x, graph) if len(parts) > 1 else x
        return _join(graph, "add", block, (body, other))
    if block.kind == "cat":
        ends = [_seq(part, x, graph) for part in parts if part]
        ends += [x] * sum(1 for part in parts if not part)  # empty branches hand on x
        return _join(graph, "cat", block, tuple(ends))
    if block.kind == "mul":  # the trunk (x, or a first path's end) times the gate's end
        trunk = _seq(parts[0], x, graph) if len(parts) > 1 else x
        return _join(graph, "mul", block, (trunk, _seq(parts[-1], x, graph)))
    if block.kind == "side":
        end = _seq(parts[0], x, graph)
        return _join(graph, "side", block, (x, end), math.prod(block.input_shape))
    if block.kind == "split":
        share = math.prod(block.input_shape) // len(parts)
        ends = []
        for part in parts:
            chunk = _join(graph, "chunk", block, (x,), share)
            ends.append(_seq(part, chunk, graph))
        return _join(graph, "cat", block, tuple(ends))
    if block.kind == "catcrop":
        spatial = block.output_shape[1:]
        ends = []
        for part in parts:
            end, shape = _seq(part, x, graph), _end(part, block)
            if shape[1:] != spatial:
                end = _join(graph, "crop", block, (end,), shape[0] * math.prod(spatial))
            ends.append(end)
        return _join(graph, "cat", block, tuple(ends))
    for part in parts:  # a group, or a repeat's repetitions one after another
        x = _seq(part, x, graph)
    return x
