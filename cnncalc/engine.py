"""Run a model's layers over its input shape: the one place rules are applied.

No tensor is ever made; each layer's rule maps a shape to a shape and counts,
so a 10**12-voxel input costs as little as a 28x28 one.
"""

from __future__ import annotations

from cnncalc.errors import LayerError, SpecError
from cnncalc.kinds import KINDS, fmt_shape
from cnncalc.layer import LayerSpec, Model, Shape
from cnncalc.report import Costs, LayerReport, Report
from cnncalc.spec import format_layer


def resolve_input(layers: tuple[LayerSpec, ...], dims: Shape) -> Shape:
    """Turn ``--input`` into ``(C, *spatial)``.

    The spatial rank comes from the first layer whose kernel gives one size per
    axis. With one dim more than that rank, the first is the channel count; with
    exactly the rank, C=1. With no such layer the dims are taken as given.
    A network that starts with an embedding takes a token sequence ``(L,)``.
    """
    if layers and KINDS[layers[0].kind].takes_tokens:
        if len(dims) != 1:
            raise SpecError(
                f"--input {fmt_shape(dims)}: {layers[0].kind} reads a token sequence; "
                "give its length alone, e.g. --input 50"
            )
        return dims
    for index, layer in enumerate(layers, 1):
        if layer.per_axis and layer.size is not None:
            rank = len(layer.size)
            if len(dims) == rank + 1:
                return dims
            if len(dims) == rank:
                return (1, *dims)
            label = layer.origin.label or f"layer {index}"
            sizes = f"{rank} size{'s' if rank > 1 else ''}"
            raise SpecError(
                f"--input {fmt_shape(dims)} has {len(dims)} dims, but {label} is {rank}-D: "
                f"give {sizes}, or {rank + 1} with the channels first"
            )
    return dims


def analyze(model: Model, input_shape: Shape | None = None, strict: bool = False) -> Report:
    """Apply every layer's rule in order.

    ``input_shape`` (from ``--input``) overrides the model's own. With ``strict``
    a window that does not tile its input exactly is an error, not a warning.
    """
    dims = input_shape or model.input_shape
    if dims is None:
        raise SpecError("no input shape: give --input, e.g. --input 3x224x224")
    start = shape = resolve_input(model.layers, dims)
    reports: list[LayerReport] = []
    total = Costs()
    for index, layer in enumerate(model.layers, 1):
        label = layer.origin.label or f"layer {index} ({layer.kind})"
        try:
            out = KINDS[layer.kind].rule(layer, shape)
        except LayerError as exc:
            raise SpecError(exc.message, layer.origin.locate(exc.field), label) from None
        if strict and out.warnings:
            raise SpecError(f"{out.warnings[0]} (--strict)", layer.origin.locate("size"), label)
        costs = Costs(
            params=out.params,
            trainable_params=out.params if layer.trainable else 0,
            buffers=out.buffers,
            macs=out.macs,
            connections=out.macs + out.bias_units,
        )
        total += costs
        reports.append(
            LayerReport(
                index=index,
                kind=layer.kind,
                spec=format_layer(out.layer),
                input_shape=shape,
                output_shape=out.shape,
                costs=costs,
                compare=out.compare,
                warnings=out.warnings,
                name=layer.name,
            )
        )
        shape = out.shape
    return Report(
        name=model.name,
        input_shape=start,
        layers=tuple(reports),
        total=total,
        description=model.description,
    )
