"""The canonical spec string of a layer or a network: the inverse of
:mod:`cnncalc.spec`, which reads it back to the same model.

Apart from the parser so that a call which prints specs but parses none (a
preset, a YAML file) need not import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cnncalc.kinds import KINDS, Arg, Kind
from cnncalc.layer import BlockKind, LayerSpec, Node


def _dims(values: tuple[int, ...]) -> str:
    if len(set(values)) == 1:
        return str(values[0])
    return "x".join(str(v) for v in values)


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def format_arg(kind: Kind, layer: LayerSpec) -> str:
    if kind.arg is Arg.FILTERS_KERNEL and layer.size is not None:
        return f"{layer.filters}x" + "x".join(str(k) for k in layer.size)
    if kind.arg in (Arg.SIZE, Arg.OPT_SIZE) and layer.size is not None:
        return _dims(layer.size)
    if kind.arg is Arg.UNITS:
        return str(layer.units)
    if kind.arg is Arg.VOCAB_DIM:
        return f"{layer.vocab}x{layer.units}"
    if kind.arg is Arg.RATE and layer.value is not None:
        return _number(layer.value)
    return ""


def format_options(kind: Kind, layer: LayerSpec) -> Iterator[str]:
    if kind.arg is Arg.SIZE:  # pools: the stride defaults to the window
        if layer.stride and layer.stride != layer.size:
            yield f"s{_dims(layer.stride)}"
    elif layer.stride and set(layer.stride) != {1}:
        yield f"s{_dims(layer.stride)}"
    if layer.padding == "same":
        yield "psame"
    elif isinstance(layer.padding, tuple) and set(layer.padding) != {0}:
        yield f"p{_dims(layer.padding)}"
    if layer.dilation and set(layer.dilation) != {1}:
        yield f"d{_dims(layer.dilation)}"
    if layer.depthwise:
        yield "dw"
    elif layer.groups and layer.groups > 1:
        yield f"g{layer.groups}"
    if layer.output_padding and set(layer.output_padding) != {0}:
        yield f"op{_dims(layer.output_padding)}"
    if layer.ceil:
        yield "ceil"
    if not layer.bias:
        yield "nobias"
    if not layer.trainable:
        yield "frozen"
    if layer.table is not None:
        yield "table=" + "/".join(",".join(str(m) for m in row) for row in layer.table)


def format_layer(layer: LayerSpec) -> str:
    """The canonical spec of one layer: keyword, argument, non-default options."""
    kind = KINDS[layer.kind]
    return " ".join(
        p for p in (kind.name, format_arg(kind, layer), *format_options(kind, layer)) if p
    )


def format_nodes(
    nodes: tuple[Node, ...], spec_of: Callable[[LayerSpec], str] = format_layer
) -> str:
    """The canonical spec of a sequence; ``spec_of`` prints each layer (the engine
    passes one that prints layers as resolved against their input)."""
    return " | ".join(format_node(node, spec_of) for node in nodes)


def format_node(node: Node, spec_of: Callable[[LayerSpec], str] = format_layer) -> str:
    if isinstance(node, LayerSpec):
        return spec_of(node)
    inner = [format_nodes(part, spec_of) for part in node.parts]
    if node.kind is BlockKind.RES:
        return "res[" + " ; ".join(inner) + "]"
    if node.kind is BlockKind.CAT:
        return "cat[" + " ; ".join(inner) + "]"
    return f"[{inner[0]}]*{node.count}"
