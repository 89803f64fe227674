"""Memory from a report: no tensor is made, every byte is counted.

The model is PyTorch's eager execution on a CUDA device (stated in the README's
Memory section): what each kind keeps for its backward pass and whether it
works in place (:mod:`cnncalc.memory.rules`), a walk of one training step and
of one no-grad forward over the live tensors, rounded as the caching allocator
rounds them (:mod:`cnncalc.memory.walk`). torchinfo's estimate, which cnncalc
reproduced before, stays available as :func:`torchinfo_bytes`.
"""

from __future__ import annotations

import math
from typing import Any

from cnncalc.record import Record
from cnncalc.report import LayerReport, Report

DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2}
"""Values of optimiser state kept per trainable parameter."""
AMP = {"bf16": "bfloat16", "fp16": "float16"}
"""Autocast's lower precisions: ``--amp``'s choices and the dtypes they name."""


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
    kept_bytes: int = 0
    workspace_bytes: int = 0
    amp: str | None = None
    inplace_relu: bool = True
    attention: str | None = None
    """The attention kernel the figures assume; None where the network has no attention."""
    training_peak_at: Any = None
    inference_peak_at: Any = None
    kept_by_layer: Any = None

    def asjson(self) -> dict[str, Any]:
        """The public ``total.memory`` object (the per-layer kept bytes go on the layers)."""
        out = self.asdict()
        out.pop("kept_by_layer")
        return out


def activation_bytes(layer: LayerReport, batch: int, dtype: str) -> int:
    return math.prod(layer.output_shape) * batch * DTYPES[dtype]


def estimate(
    report: Report,
    batch: int = 1,
    dtype: str = "float32",
    optimizer: str = "adam",
    amp: str | None = None,
    inplace_relu: bool = True,
    attention: str = "auto",
) -> Memory:
    """One training step's and one no-grad forward's peak, and what autograd keeps.

    ``amp`` (``bfloat16`` or ``float16``) runs the forward under autocast with
    float32 parameters (``dtype`` then must be float32). ``attention``: the
    kernel of scaled dot-product attention (``math``, ``flash``, ``efficient``;
    ``auto`` picks as PyTorch does on a CUDA GPU); the result names it where the
    network has attention."""
    from cnncalc.memory.graph import input_value_bytes
    from cnncalc.memory.walk import walk

    size = DTYPES[dtype]
    seen = walk(report, batch, size, optimizer, amp is not None, inplace_relu, attention)
    outputs = sum(activation_bytes(layer, batch, dtype) for layer in report.layers)
    return Memory(
        dtype=dtype,
        batch=batch,
        optimizer=optimizer,
        input_bytes=math.prod(report.input_shape) * batch * input_value_bytes(report, size),
        param_bytes=report.total.params * size,
        buffer_bytes=report.total.buffers * size,
        activation_bytes=outputs,
        inference_peak_bytes=seen.inference.bytes,
        gradient_bytes=report.total.trainable_params * size,
        optimizer_bytes=OPTIMIZERS[optimizer] * report.total.trainable_params * size,
        training_bytes=seen.training.bytes,
        kept_bytes=seen.kept,
        workspace_bytes=seen.workspace,
        amp=amp,
        inplace_relu=inplace_relu,
        attention=seen.attention,
        training_peak_at=seen.training.asjson(),
        inference_peak_at=seen.inference.asjson(),
        kept_by_layer=seen.kept_by_layer,
    )


def torchinfo_bytes(report: Report, batch: int = 1, dtype: str = "float32") -> int:
    """torchinfo's "Estimated Total Size": the input + 2 × the outputs of layers
    with parameters (torchinfo counts their gradients) + the parameters."""
    size = DTYPES[dtype]
    data = math.prod(report.input_shape) * batch * size
    with_params = sum(
        activation_bytes(layer, batch, dtype) for layer in report.layers if layer.costs.params
    )
    return data + 2 * with_params + report.total.params * size


def naive_bytes(
    report: Report, batch: int = 1, dtype: str = "float32", optimizer: str = "adam"
) -> int:
    """cnncalc's figure before the walk: parameters, buffers, gradients, optimiser
    state, the input and every layer's output, all kept."""
    size = DTYPES[dtype]
    total = report.total
    outputs = sum(activation_bytes(layer, batch, dtype) for layer in report.layers)
    trainable = total.trainable_params * size
    return (
        (total.params + total.buffers) * size
        + trainable * (1 + OPTIMIZERS[optimizer])
        + math.prod(report.input_shape) * batch * size
        + outputs
    )
