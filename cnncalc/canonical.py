"""The canonical spec string of a layer or a network: the inverse of
:mod:`cnncalc.readers.spec`, which reads it back to the same model.

Apart from the parser so that a call which prints specs but parses none (a
preset, a YAML file) need not import it.
"""

from __future__ import annotations

from collections.abc import Callable

from cnncalc.kinds import KINDS
from cnncalc.kinds.grammar import NAME, write_arg, write_options
from cnncalc.layer import LayerSpec, Node


def format_layer(layer: LayerSpec) -> str:
    """The canonical spec of one layer: keyword, argument, non-default options."""
    kind = KINDS[layer.kind]
    return " ".join(
        p for p in (kind.name, write_arg(kind, layer), *write_options(kind, layer)) if p
    )


def format_nodes(
    nodes: tuple[Node, ...], spec_of: Callable[[LayerSpec], str] = format_layer
) -> str:
    """The canonical spec of a sequence; ``spec_of`` prints each layer (the engine
    passes one that prints layers as resolved against their input). In a list
    that reads names, its names are printed (``as p5``): those read, and those
    kept as outputs; elsewhere a name (a YAML group's label) is no part of the
    string form."""
    read: set[str] = set()
    if any(isinstance(node, LayerSpec) and node.ref is not None for node in nodes):
        read = {n.name for n in nodes if n.name is not None and NAME.fullmatch(n.name)}
    return " | ".join(format_node(node, spec_of, read) for node in nodes)


def format_node(
    node: Node,
    spec_of: Callable[[LayerSpec], str] = format_layer,
    read: frozenset[str] | set[str] = frozenset(),
) -> str:
    named = f" as {node.name}" if node.name is not None and node.name in read else ""
    if isinstance(node, LayerSpec):
        return spec_of(node) + named
    from cnncalc.constructs import CONSTRUCTS  # a network without blocks never needs it

    inner = [format_nodes(part, spec_of) for part in node.parts]
    return CONSTRUCTS[node.kind].canonical(inner, node) + named
