"""The JSON document: the public schema documented in the README.

Layers are written one per line: readable, and fast, because each line goes
through the C encoder (``indent=`` would switch the whole document to the pure
Python one, ten times slower on a 100,000-layer network).
"""

from __future__ import annotations

import json
from typing import Any

from cnncalc.escape import json_text
from cnncalc.kinds import Compare, Rational
from cnncalc.memory import Memory, activation_bytes, estimate
from cnncalc.receptive import Field
from cnncalc.report import Costs, LayerReport, Report


def _costs(costs: Costs) -> dict[str, int]:
    return {
        "params": costs.params,
        "trainable_params": costs.trainable_params,
        "buffers": costs.buffers,
        "macs": costs.macs,
        "flops": costs.flops,
        "connections": costs.connections,
    }


def _compare(compare: Compare | None) -> dict[str, dict[str, int]] | None:
    if compare is None:
        return None
    return {
        way: {"weights": count.weights, "biases": count.biases}
        for way, count in (
            ("dense", compare.dense),
            ("local", compare.local),
            ("shared", compare.shared),
        )
    }


def _number(value: Rational) -> int | float:
    """A fraction as a decimal; one too large for a float's six places, rounded
    to a whole number (a float of it would overflow)."""
    if isinstance(value, int):
        return value
    return round(value) if abs(value) >= 2**53 else round(float(value), 6)


def _field(seen: Field | None) -> dict[str, Any] | None:
    if seen is None:
        return None
    if seen.beyond:  # a number passed 10^30: not worked out (the key only here)
        return {"size": None, "jump": None, "start": None, "exceeds_1e30": True}
    if seen.whole:
        return {"size": [_number(v) for v in seen.sizes], "jump": None, "start": None}
    return {
        "size": [_number(v) for v in seen.sizes],
        "jump": [_number(v) for v in seen.jumps],
        "start": [_number(v) for v in seen.starts],
    }


def _layer(layer: LayerReport) -> dict[str, Any]:
    return {
        "index": layer.index,
        "kind": layer.kind,
        "name": layer.name,
        "path": layer.path,
        "spec": layer.spec,
        "input_shape": list(layer.input_shape),
        "output_shape": list(layer.output_shape),
        **_costs(layer.costs),
        "compare": _compare(layer.compare),
        "receptive_field": _field(layer.field),
        "warnings": list(layer.warnings),
        "notes": list(layer.notes),
    }


def _explained(layer: LayerReport) -> list[str]:
    """``--explain``'s lines for the layer (its arithmetic with its numbers)."""
    from cnncalc.kinds import KINDS

    return list(KINDS[layer.kind].explain(layer)) if layer.layer is not None else []


def render(report: Report, memory: Memory | None = None, explain: bool = False) -> str:
    """The document; with ``explain`` each layer carries ``--explain``'s lines."""
    dump = json.JSONEncoder(ensure_ascii=False).encode
    memory = memory or estimate(report)
    head = {
        "name": report.name,
        "spec": report.spec,
        "input_shape": list(report.input_shape),
        "output_shape": list(report.output_shape),
        "input_warnings": list(report.input_warnings),
        "outputs": [
            {"name": name, "path": path, "shape": list(shape)}
            for name, path, shape in report.outputs
        ],
    }
    lines = ",\n".join(f"  {dump(key)}: {dump(value)}" for key, value in head.items())
    body = ",\n".join(_layer_lines(report, dump, memory, explain))
    total = dump({**_costs(report.total), "macs_main": report.macs_main, "memory": memory.asjson()})
    document = f'{{\n{lines},\n  "layers": [\n{body}\n  ],\n  "total": {total}\n}}\n'
    return json_text(document)  # DEL, C1 and bidi characters as \u escapes too


def _layer_lines(report: Report, dump: Any, memory: Memory, explain: bool = False) -> list[str]:
    """One line per layer. What a layer computes is encoded once per distinct
    (spec, shapes, figures): a repeated layer adds only what is its own (index,
    path, receptive field), so a 100,000-layer network is written in a blink."""
    fragments: dict[tuple[Any, ...], str] = {}
    key: tuple[Any, ...]
    lines = []
    kept = memory.kept_by_layer or {}
    for layer in report.layers:
        key = (layer.spec, layer.input_shape, layer.output_shape, layer.costs)
        key += (layer.warnings, layer.notes, id(layer.compare))
        fragment = fragments.get(key)
        if fragment is None:
            static = _layer(layer)
            for own in (
                "index",
                "name",
                "path",
                "receptive_field",
                "activation_bytes",
                "kept_bytes",
            ):
                static.pop(own, None)
            fragment = fragments[key] = dump(static)[1:]
        name = "null" if layer.name is None else dump(layer.name)
        path = layer.path if layer.path.isalnum() else dump(layer.path)[1:-1]
        size = activation_bytes(layer, memory.batch, memory.dtype)
        lines.append(
            f'    {{"index": {layer.index}, "name": {name}, "path": "{path}", '
            f'"activation_bytes": {size}, "kept_bytes": {kept.get(layer.index, 0)}, '
            f'"receptive_field": {_field_json(layer.field, dump)}, '
            + (f'"explain": {dump(_explained(layer))}, ' if explain else "")
            + f"{fragment}"
        )
    return lines


def _field_json(seen: Field | None, dump: Any) -> str:
    """The receptive field by hand: ints are the common case and cheap to print."""
    if seen is None:
        return "null"
    values = (*seen.sizes, *seen.jumps, *seen.starts)
    if seen.whole or seen.beyond or not all(type(v) is int for v in values):
        return str(dump(_field(seen)))
    sizes = ", ".join(map(str, seen.sizes))
    jumps = ", ".join(map(str, seen.jumps))
    starts = ", ".join(map(str, seen.starts))
    return f'{{"size": [{sizes}], "jump": [{jumps}], "start": [{starts}]}}'
