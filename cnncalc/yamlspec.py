"""The spec language's YAML form.

::

    name: my-net
    input: [3, 32, 32]
    layers:
      - conv 6x5x5                 # any stage of the string syntax, or
      - conv: {filters: 16, kernel: 5, stride: 1, padding: 0}
      - pool: 2                    # kind: argument
      - relu:                      # kind alone

PyYAML's safe loader composes the document into nodes first, so every error
can name the file's line and draw a caret under the key or value at fault.
"""

from __future__ import annotations

import difflib
from typing import Any

import yaml

from cnncalc.errors import LayerError, Location, SpecError
from cnncalc.fields import build
from cnncalc.kinds import Kind, lookup
from cnncalc.layer import LayerSpec, Model, Origin, Shape
from cnncalc.spec import parse_dims, parse_stages, unknown_kind

TOP_KEYS = ("name", "description", "input", "layers", "source", "notes")

_TUPLE_FIELDS = ("stride", "dilation", "output_padding")
_RENAMES = {"kernel": "size", "dim": "units", "p": "value", "rate": "value", "slope": "value"}
_FIELDS = [
    "filters",
    "kernel",
    "size",
    "units",
    "dim",
    "vocab",
    "p",
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
    "name",
]


class _Doc:
    """One YAML document being read: its lines for carets, its name for messages."""

    def __init__(self, text: str, where: str) -> None:
        self.lines = text.splitlines()
        self.where = where

    def locate(self, node: yaml.Node) -> Location:
        start, end = node.start_mark, node.end_mark
        line = self.lines[start.line] if start.line < len(self.lines) else ""
        stop = end.column if end.line == start.line else len(line)
        return Location(
            line, start.column, max(stop, start.column + 1), f"{self.where}:{start.line + 1}"
        )

    def error(self, message: str, node: yaml.Node, layer: str | None = None) -> SpecError:
        return SpecError(message, self.locate(node), layer)


def load(text: str, where: str = "<yaml>") -> Model:
    """Parse a YAML document into a :class:`Model`."""
    doc = _Doc(text, where)
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = doc.lines[mark.line] if mark and mark.line < len(doc.lines) else ""
        col = mark.column if mark else 0
        loc = Location(line, col, col + 1, f"{where}:{mark.line + 1}" if mark else where)
        raise SpecError(f"malformed YAML: {exc.problem or exc.context}", loc) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"malformed YAML: {exc}", Location("", 0, 0, where)) from None
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        raise SpecError(
            "a spec file is a mapping with 'layers:' (and optionally 'name:', 'input:')",
            doc.locate(root) if root is not None else Location("", 0, 0, where),
        )
    top: dict[str, yaml.Node] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        if key not in TOP_KEYS:
            near = difflib.get_close_matches(key, TOP_KEYS, n=1)
            hint = f" — did you mean '{near[0]}'?" if near else ""
            raise doc.error(
                f"unknown key '{key}'{hint}; a spec file has {', '.join(TOP_KEYS)}", key_node
            )
        top[key] = value_node
    if "layers" not in top:
        raise doc.error("no 'layers:' list in this file", root)
    layers_node = top["layers"]
    if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
        raise doc.error("'layers:' must be a non-empty list", layers_node)
    layers: list[LayerSpec] = []
    for item in layers_node.value:
        layers.extend(_layer(doc, item, len(layers) + 1))
    return Model(
        layers=tuple(layers),
        name=_text(doc, top.get("name"), "model"),
        input_shape=_input(doc, top["input"]) if "input" in top else None,
        description=_text(doc, top.get("description"), ""),
    )


def _text(doc: _Doc, node: yaml.Node | None, default: str) -> str:
    if node is None:
        return default
    if not isinstance(node, yaml.ScalarNode):
        raise doc.error("expected text here", node)
    return str(node.value)


def _input(doc: _Doc, node: yaml.Node) -> Shape:
    """``[3, 32, 32]``, ``3x32x32`` or ``50``."""
    try:
        if isinstance(node, yaml.SequenceNode):
            dims = tuple(_int(doc, n, "input") for n in node.value)
        elif isinstance(node, yaml.ScalarNode):
            dims = parse_dims(str(node.value), "input")
        else:
            raise LayerError("input is a list of sizes, e.g. [3, 32, 32]")
    except LayerError as exc:
        raise doc.error(exc.message, node) from None
    if not dims or min(dims) < 1:
        raise doc.error("input sizes must be at least 1", node)
    return dims


def _int(doc: _Doc, node: yaml.Node, what: str) -> int:
    value = _plain(node)
    if isinstance(value, bool) or not isinstance(value, int):
        raise doc.error(f"{what} must be a whole number, got {node.value!r}", node)
    return value


def _layer(doc: _Doc, node: yaml.Node, index: int) -> list[LayerSpec]:
    """One item of ``layers:``: a stage string, or ``kind: value``."""
    if isinstance(node, yaml.ScalarNode):
        if node.value == "" or node.value is None:
            raise doc.error("empty layer", node, f"layer {index}")
        return _stages(doc, node, str(node.value), index)
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        raise doc.error(
            "a layer is a string ('conv 6x5x5') or one 'kind: value' pair", node, f"layer {index}"
        )
    key_node, value_node = node.value[0]
    word = str(key_node.value)
    kind = lookup(word)
    if kind is None:
        raise doc.error(unknown_kind(word), key_node, f"layer {index}")
    label = f"layer {index} ({kind.name})"
    if isinstance(value_node, yaml.MappingNode):
        return [_fields(doc, kind, key_node, value_node, label)]
    if isinstance(value_node, yaml.SequenceNode):
        arg = "x".join(str(_int(doc, n, "size")) for n in value_node.value)
        return _stages(doc, value_node, f"{word} {arg}", index, keyed=True)
    value = "" if value_node.value in ("", None) or _plain(value_node) is None else value_node.value
    return _stages(doc, value_node, f"{word} {value}".strip(), index, keyed=True)


def _stages(
    doc: _Doc, node: yaml.Node, text: str, index: int, keyed: bool = False
) -> list[LayerSpec]:
    """Parse a stage string, with carets in the file's own line when it is one line."""
    loc = doc.locate(node)
    one_line = node.start_mark.line == node.end_mark.line and not keyed
    style = getattr(node, "style", None)
    if one_line and style in (None, "'", '"'):
        offset = loc.start + (1 if style else 0)
        return parse_stages(text, loc.where, loc.line, offset, index)
    return parse_stages(text, loc.where, first=index)


def _fields(
    doc: _Doc, kind: Kind, key_node: yaml.Node, mapping: yaml.MappingNode, label: str
) -> LayerSpec:
    """``conv: {filters: 16, kernel: 5, stride: 1}`` → a layer."""
    values: dict[str, Any] = {}
    spans: dict[str, Location] = {}
    for k_node, v_node in mapping.value:
        key = str(k_node.value)
        if key not in _FIELDS:
            near = difflib.get_close_matches(key, _FIELDS, n=1)
            hint = f" — did you mean '{near[0]}'?" if near else ""
            raise doc.error(f"unknown field '{key}'{hint}", k_node, label)
        field = _RENAMES.get(key, key)
        try:
            values.update(_convert(field, v_node, key))
        except LayerError as exc:
            raise doc.error(exc.message, v_node, label) from None
        spans[field] = doc.locate(v_node)
    origin = Origin(doc.locate(key_node), spans, label)
    try:
        return build(kind, values, origin)
    except LayerError as exc:
        loc = origin.locate(exc.field) or doc.locate(key_node)
        raise SpecError(exc.message, loc, label) from None


def _convert(field: str, node: yaml.Node, key: str) -> dict[str, Any]:
    """A YAML value to the LayerSpec field it sets (``key`` is the user's word for it)."""
    value = _plain(node)
    what = key.replace("_", " ")
    if field == "size":
        if isinstance(value, list):
            return {"size": tuple(_whole(v, what) for v in value), "per_axis": True}
        return {"size": (_whole(value, what),)}
    if field in _TUPLE_FIELDS or field == "padding":
        if field == "padding" and value in ("same", "valid"):
            return {"padding": "same" if value == "same" else (0,)}
        items = value if isinstance(value, list) else [value]
        return {field: tuple(_whole(v, what) for v in items)}
    if field in ("depthwise", "bias", "ceil", "trainable"):
        if not isinstance(value, bool):
            raise LayerError(f"{field} must be true or false, got {value!r}")
        return {field: value}
    if field == "table":
        if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
            raise LayerError("table is a list of rows, one per filter: [[0, 1, 2], [1, 2, 3], ...]")
        return {"table": tuple(tuple(_whole(m, "table entry") for m in row) for row in value)}
    if field == "name":
        return {"name": str(value)}
    if field == "value":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LayerError(f"expected a number, got {value!r}")
        return {"value": float(value)}
    return {field: _whole(value, what)}


def _plain(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float):
            raise LayerError(f"{what} must be a whole number, got {value}")
        raise LayerError(f"{what} must be a whole number, got {value!r}")
    return value
