"""Figures from torch itself, shared by the tests that compare cnncalc with it.

Each helper runs a real ``torch.nn`` module (or the module cnncalc emits) and
reads what torch reports: output shape, parameters, buffers, MACs as
``FlopCounterMode`` counts them. No test module imports another; they import
these.
"""

from __future__ import annotations

import importlib
from typing import Any

from conftest import need_torch


def torch_figures(module: Any, shape: tuple[int, ...], batch: int = 2) -> dict[str, Any]:
    """Output shape (batch excluded), parameters, buffers (not batch norm's step
    counter) and MACs per sample of ``module`` on a random input of ``shape``."""
    torch = need_torch()
    counter_mode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode
    module = module.eval()
    x = torch.rand((batch, *shape))
    with counter_mode(display=False) as counter:
        y = module(x)
    buffers = sum(
        b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked")
    )
    return {
        "shape": tuple(y.shape[1:]),
        "params": sum(p.numel() for p in module.parameters()),
        "buffers": buffers,
        "macs": counter.get_total_flops() // 2 // batch,  # 2 FLOPs a MAC
    }


def emitted_net(source: str) -> Any:
    """The ``Net`` of ``--emit torch`` output, built."""
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    return namespace["Net"]()
