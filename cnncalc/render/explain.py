"""``--explain``: each layer's arithmetic with its numbers filled in.

Every result shown is the report's own figure; the left-hand sides restate the
rule with the layer's values, so a student can redo the sum by hand:

    H: (200 − 10 + 2·0)/1 + 1 = 191
    params: 100 × (1·10·10) + 100 = 10,100
"""

from __future__ import annotations

import math

from cnncalc import arith
from cnncalc.escape import printable
from cnncalc.kinds import WINDOWED, axis_names
from cnncalc.render.columns import shape_text
from cnncalc.report import LayerReport, Report


def render(report: Report) -> str:
    blocks = [_explain(layer) for layer in report.layers]
    return "\n".join(blocks)


def _dims(values: tuple[int, ...]) -> str:
    return "·".join(str(v) for v in values)


def _explain(layer: LayerReport) -> str:
    shapes = f"{shape_text(layer.input_shape)} → {shape_text(layer.output_shape)}"
    head = f"{layer.index:>3}  {printable(layer.spec)}   {shapes}"
    lines = [*_size_lines(layer), *_count_lines(layer), *_compare_lines(layer)]
    return "\n".join([head, *(f"     {line}" for line in lines)])


def _size_lines(layer: LayerReport) -> list[str]:
    spec = layer.layer
    if spec is None or spec.size is None or spec.kind not in WINDOWED:
        return []
    spatial = layer.input_shape[1:]
    out = layer.output_shape[1:]
    kernel = spec.size
    stride = spec.stride or (1,) * len(kernel)
    dilation = spec.dilation or (1,) * len(kernel)
    lines = []
    names = axis_names(len(spatial))
    for i, (w, k, s, d, o) in enumerate(zip(spatial, kernel, stride, dilation, out, strict=True)):
        axis = names[i]
        f = f"{d}·({k} − 1) + 1" if d > 1 else str(k)
        if spec.kind == "deconv" and spec.padding == "same":
            lines.append(f"{axis}: {w} × {s} = {o}   (same padding)")
        elif spec.kind == "deconv":
            p, op = _axis(spec.padding, i), _axis(spec.output_padding, i)
            lines.append(f"{axis}: ({w} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {o}")
        else:
            if spec.padding == "same":
                left, right = arith.same_padding(w, k, s, d)
                pads = f"{left} + {right}"
            else:
                left = right = _axis(spec.padding, i)
                pads = f"2·{left}"
            exact = arith.exact_ratio(w + left + right - arith.effective(k, d) + s, s)
            result = str(o) if exact == str(o) else f"{exact} → {o}"
            mode = " (ceil mode)" if spec.ceil and exact != str(o) else ""
            lines.append(f"{axis}: ({w} − {f} + {pads})/{s} + 1 = {result}{mode}")
    return lines


def _axis(values: object, i: int) -> int:
    """Axis ``i`` of a per-axis option (one value stands for every axis)."""
    if not isinstance(values, tuple) or not values:
        return 0
    value = values[0] if len(values) == 1 else values[i]
    return int(value)


def _count_lines(layer: LayerReport) -> list[str]:
    spec, costs = layer.layer, layer.costs
    if spec is None or not (costs.params or costs.macs or costs.buffers):
        return []
    c = layer.input_shape[0]
    n = layer.output_shape[0]
    out_units = math.prod(layer.output_shape)
    positions = math.prod(layer.output_shape[1:])
    bias = f" + {n}" if spec.bias and spec.kind in ("conv", "deconv", "fc") else ""
    k = _dims(spec.size) if spec.size else ""
    lines: list[str] = []
    if spec.kind == "conv" and spec.table is not None:
        links = sum(len(row) for row in spec.table)
        lines.append(f"params: {links} table links × ({k}){bias} = {costs.params:,}")
        lines.append(
            f"MACs: {_dims(layer.output_shape[1:])} positions × {links} × ({k}) = {costs.macs:,}"
        )
    elif spec.kind == "conv":
        g = spec.groups or 1
        per = f"{c}/{g}" if g > 1 else str(c)
        lines.append(f"params: {n} × ({per}·{k}){bias} = {costs.params:,}")
        lines.append(
            f"MACs: {n}·{_dims(layer.output_shape[1:])} outputs × ({per}·{k}) = {costs.macs:,}"
        )
    elif spec.kind == "local":
        unit_bias = f" + {out_units}" if spec.bias else ""
        lines.append(
            f"params: {positions:,} positions × {n} × ({c}·{k}){unit_bias} = {costs.params:,}"
        )
        lines.append(f"MACs: {positions:,} positions × {n} × ({c}·{k}) = {costs.macs:,}")
    elif spec.kind == "deconv":
        g = spec.groups or 1
        per = f"{n}/{g}" if g > 1 else str(n)
        lines.append(f"params: {c} × ({per}·{k}){bias} = {costs.params:,}")
        lines.append(f"MACs: {_dims(layer.input_shape)} inputs × ({per}·{k}) = {costs.macs:,}")
    elif spec.kind == "fc":
        inputs = math.prod(layer.input_shape)
        lines.append(f"params: {inputs:,} × {spec.units}{bias} = {costs.params:,}")
        lines.append(f"MACs: {inputs:,} × {spec.units} = {costs.macs:,}")
    elif spec.kind == "rbf":
        inputs = math.prod(layer.input_shape)
        lines.append(f"params: {inputs:,} × {spec.units} = {costs.params:,}")
    elif spec.kind == "bn":
        lines.append(
            f"params: 2 × {c} (γ, β) = {costs.params:,}; buffers: 2 × {c} (mean, variance)"
        )
    elif spec.kind == "subsample":
        what = "(coefficient, bias)" if spec.bias else "(coefficient)"
        lines.append(f"params: {c} × {2 if spec.bias else 1} {what} = {costs.params:,}")
        lines.append(f"MACs: {out_units:,} outputs × ({k}) = {costs.macs:,}")
    elif spec.kind == "embed":
        lines.append(f"params: {spec.vocab} × {spec.units} = {costs.params:,}")
    if costs.connections != costs.macs:
        biased = costs.connections - costs.macs
        lines.append(
            f"connections: {costs.macs:,} + {biased:,} biased units = {costs.connections:,}"
        )
    return lines


def _compare_lines(layer: LayerReport) -> list[str]:
    cmp = layer.compare
    if cmp is None:
        return []
    inputs = _dims(layer.input_shape)
    outputs = _dims(layer.output_shape)
    positions = _dims(layer.output_shape[1:])
    dense, local, shared = cmp.dense, cmp.local, cmp.shared
    return [
        f"as dense:  ({inputs}) × ({outputs}) = {dense.weights:,} weights "
        f"+ {dense.biases:,} biases",
        f"as local:  {positions} positions × {shared.weights:,} = {local.weights:,} weights "
        f"+ {local.biases:,} biases",
        f"as shared: {shared.weights:,} weights + {shared.biases:,} biases",
    ]
