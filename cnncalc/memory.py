"""Memory estimates from a report: no tensor is made, every byte is counted.

The model (stated in the README):

* parameter memory = params × bytes per value; buffers likewise;
* a layer's activation memory = its output elements × batch × bytes per value;
* inference peak = parameters + buffers + the largest, over layers, of the
  layer's input + its output + the inputs that enclosing res/cat blocks hold on
  to for their other paths;
* training = parameters + buffers + gradients (one per trainable parameter) +
  optimiser state (SGD none, momentum one, Adam two values per trainable
  parameter) + every activation kept for the backward pass (the input and each
  layer's output).
"""

from __future__ import annotations

import math

from cnncalc.record import Record
from cnncalc.report import BlockReport, LayerReport, Report

DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2}
"""Values of optimiser state kept per trainable parameter."""


class Memory(Record):
    dtype: str
    batch: int
    optimizer: str
    input_bytes: int
    param_bytes: int
    buffer_bytes: int
    activation_bytes: int
    inference_peak_bytes: int
    gradient_bytes: int
    optimizer_bytes: int
    training_bytes: int


def activation_bytes(layer: LayerReport, batch: int, dtype: str) -> int:
    return math.prod(layer.output_shape) * batch * DTYPES[dtype]


def estimate(
    report: Report, batch: int = 1, dtype: str = "float32", optimizer: str = "adam"
) -> Memory:
    size = DTYPES[dtype]
    total = report.total
    params = total.params * size
    buffers = total.buffers * size
    data = math.prod(report.input_shape) * batch * size
    outputs = [activation_bytes(layer, batch, dtype) for layer in report.layers]
    gradients = total.trainable_params * size
    state = OPTIMIZERS[optimizer] * total.trainable_params * size
    return Memory(
        dtype=dtype,
        batch=batch,
        optimizer=optimizer,
        input_bytes=data,
        param_bytes=params,
        buffer_bytes=buffers,
        activation_bytes=sum(outputs),
        inference_peak_bytes=params + buffers + _live_peak(report, batch, size),
        gradient_bytes=gradients,
        optimizer_bytes=state,
        training_bytes=params + buffers + gradients + state + data + sum(outputs),
    )


def _live_peak(report: Report, batch: int, size: int) -> int:
    """The most activation bytes alive at once in a forward pass."""
    open_blocks: list[BlockReport] = []
    peak = 0
    for row in report.rows:
        while open_blocks and open_blocks[-1].depth >= row.depth:
            open_blocks.pop()
        if isinstance(row, BlockReport):
            open_blocks.append(row)
            continue
        held = sum(math.prod(b.input_shape) for b in open_blocks if b.kind in ("res", "cat"))
        live = math.prod(row.input_shape) + math.prod(row.output_shape) + held
        peak = max(peak, live)
    return peak * batch * size
