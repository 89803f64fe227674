"""A parsed :class:`~cnncalc.layer.Model` as plain JSON data, and back.

Used to keep each preset's parsed form next to its YAML file, so that
``cnncalc resnet50`` need not import PyYAML nor parse YAML at all: the YAML stays
the source (a copy of it tells when the stored form is stale, and then the YAML is
read as usual).
"""

from __future__ import annotations

from typing import Any

from cnncalc.errors import Location
from cnncalc.layer import Block, BlockKind, LayerSpec, Model, Node, Origin, Span, given

_TUPLES = (
    "kernel",
    "output_size",
    "stride",
    "dilation",
    "output_padding",
    "scale",
    "pads",
    "ref",
    "order",
    "window",
    "shift",
)


def encode(model: Model) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "input_shape": None if model.input_shape is None else list(model.input_shape),
        "layers": [_node(node) for node in model.layers],
        **({"intended": [list(pair) for pair in model.intended]} if model.intended else {}),
    }


def decode(data: dict[str, Any]) -> Model:
    shape = data["input_shape"]
    return Model(
        layers=tuple(_read_node(node) for node in data["layers"]),
        name=data["name"],
        input_shape=None if shape is None else tuple(shape),
        description=data["description"],
        intended=tuple((str(path), str(why)) for path, why in data.get("intended", ())),
    )


def _node(node: Node) -> dict[str, Any]:
    if isinstance(node, LayerSpec):
        return {"layer": node.kind, **given(node), "origin": _origin(node.origin)}
    return {
        "block": node.kind.value,
        "parts": [[_node(n) for n in part] for part in node.parts],
        "count": node.count,
        "name": node.name,
        "origin": _origin(node.origin),
        "shared": node.shared,
    }


def _read_node(data: dict[str, Any]) -> Node:
    origin = _read_origin(data["origin"])
    if "block" in data:
        parts = tuple(tuple(_read_node(n) for n in part) for part in data["parts"])
        kind = BlockKind(data["block"])
        return Block(kind, parts, data["count"], data["name"], origin, data.get("shared", False))
    values = {k: v for k, v in data.items() if k not in ("layer", "origin")}
    for name in _TUPLES:
        if values.get(name) is not None:
            values[name] = tuple(values[name])
    if isinstance(values.get("padding"), list):
        values["padding"] = tuple(values["padding"])
    if values.get("table") is not None:
        values["table"] = tuple(tuple(row) for row in values["table"])
    return LayerSpec(kind=data["layer"], origin=origin, **values)


def _span(span: Span | None) -> Any:
    if isinstance(span, Location):
        return {"line": span.line, "start": span.start, "end": span.end, "where": span.where}
    return None if span is None else list(span)


def _read_span(data: Any) -> Span | None:
    if isinstance(data, dict):
        return Location(data["line"], data["start"], data["end"], data["where"])
    return None if data is None else (data[0], data[1])


def _origin(origin: Origin) -> dict[str, Any]:
    return {
        "span": _span(origin.span),
        "fields": {name: _span(span) for name, span in origin.fields.items()},
        "label": origin.label,
        "line": origin.line,
        "where": origin.where,
        "index": origin.index,
    }


def _read_origin(data: dict[str, Any]) -> Origin:
    fields = {name: _read_span(span) for name, span in data["fields"].items()}
    return Origin(
        _read_span(data["span"]),
        {k: v for k, v in fields.items() if v is not None},
        data["label"],
        data["line"],
        data["where"],
        data["index"],
    )
