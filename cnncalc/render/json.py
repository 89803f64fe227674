"""The JSON document: the public schema documented in the README."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

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
        "compare": asdict(layer.compare) if layer.compare else None,
        "warnings": list(layer.warnings),
    }


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "name": report.name,
        "spec": report.spec,
        "input_shape": list(report.input_shape),
        "output_shape": list(report.output_shape),
        "layers": [_layer(layer) for layer in report.layers],
        "total": _costs(report.total),
    }


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
