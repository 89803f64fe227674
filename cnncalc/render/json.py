"""The JSON document: the public schema documented in the README.

Layers are written one per line: readable, and fast, because each line goes
through the C encoder (``indent=`` would switch the whole document to the pure
Python one, ten times slower on a 100,000-layer network).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from cnncalc.field import Field
from cnncalc.kinds import Compare, Rational
from cnncalc.memory import Memory, activation_bytes, estimate
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
    return value if isinstance(value, int) else round(float(value), 6)


def _field(seen: Field | None) -> dict[str, Any] | None:
    if seen is None:
        return None
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
    }


def to_dict(report: Report, memory: Memory | None = None) -> dict[str, Any]:
    """The document as Python data (what :func:`render` writes)."""
    memory = memory or estimate(report)
    layers = [
        {"activation_bytes": activation_bytes(layer, memory.batch, memory.dtype), **_layer(layer)}
        for layer in report.layers
    ]
    return {
        "name": report.name,
        "spec": report.spec,
        "input_shape": list(report.input_shape),
        "output_shape": list(report.output_shape),
        "layers": layers,
        "total": {**_costs(report.total), "memory": asdict(memory)},
    }


def render(report: Report, memory: Memory | None = None) -> str:
    dump = json.JSONEncoder(ensure_ascii=False).encode
    memory = memory or estimate(report)
    head = {
        "name": report.name,
        "spec": report.spec,
        "input_shape": list(report.input_shape),
        "output_shape": list(report.output_shape),
    }
    lines = ",\n".join(f"  {dump(key)}: {dump(value)}" for key, value in head.items())
    body = ",\n".join(_layer_lines(report, dump, memory))
    total = dump({**_costs(report.total), "memory": asdict(memory)})
    return f'{{\n{lines},\n  "layers": [\n{body}\n  ],\n  "total": {total}\n}}\n'


def _layer_lines(report: Report, dump: Any, memory: Memory) -> list[str]:
    """One line per layer. What a layer computes is encoded once per distinct
    (spec, shapes, figures): a repeated layer only adds its index and path."""
    fragments: dict[tuple[Any, ...], str] = {}
    lines = []
    for layer in report.layers:
        key: tuple[Any, ...] = (layer.spec, layer.input_shape, layer.output_shape, layer.costs)
        key += (layer.warnings, id(layer.compare), layer.field)
        fragment = fragments.get(key)
        if fragment is None:
            static = _layer(layer)
            for dynamic in ("index", "name", "path"):
                del static[dynamic]
            fragment = fragments[key] = dump(static)[1:]
        where = f'"index": {layer.index}, "name": {dump(layer.name)}, "path": {dump(layer.path)}'
        activation = f'"activation_bytes": {activation_bytes(layer, memory.batch, memory.dtype)}'
        lines.append(f"    {{{where}, {activation}, {fragment}")
    return lines
