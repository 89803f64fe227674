"""Figures from torch itself, shared by the tests that compare cnncalc with it.

Each helper runs a real ``torch.nn`` module (or the module cnncalc emits) and
reads what torch reports: output shape, parameters, buffers, MACs as
``FlopCounterMode`` counts them. No test module imports another; they import
these.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from click.testing import CliRunner

from cnncalc.cli import cli
from cnncalc.solve import Bounds

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


CUSTOM_MACS = ("class Subsample", "class RBF", "class Local")
"""Helpers that do work FlopCounterMode does not see as MACs (elementwise, unfold+einsum)."""


def emitted(args: list[str]) -> tuple[dict[str, Any], str]:
    """cnncalc's JSON and its --emit torch source for the same arguments."""
    runner = CliRunner()
    report = runner.invoke(cli, [*args, "--json"])
    source = runner.invoke(cli, [*args, "--emit", "torch"])
    assert report.exit_code == 0 and source.exit_code == 0, (report.output, source.output)
    return json.loads(report.stdout), source.stdout


def check_emitted(args: list[str]) -> None:
    """The emitted module of ``args``, run by torch on the meta device: its output
    shape, parameters, trainable parameters and MACs are cnncalc's JSON's."""
    torch = need_torch()
    counter_mode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode
    data, source = emitted(args)
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    net = namespace["Net"]().to("meta").eval()
    dtype = torch.long if "class Tokens" in source else torch.float32
    x = torch.zeros((1, *namespace["INPUT_SHAPE"]), device="meta", dtype=dtype)
    with counter_mode(display=False) as counter:
        y = net(x)
    assert list(y.shape[1:]) == data["output_shape"]
    assert sum(p.numel() for p in net.parameters()) == data["total"]["params"]
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    assert trainable == data["total"]["trainable_params"]
    if not any(helper in source for helper in CUSTOM_MACS):
        assert counter.get_total_flops() // 2 == data["total"]["macs"]


def brute(
    w: int, o: int, bounds: Bounds, transposed: bool, exact: bool
) -> list[tuple[int, int, int, int, int, bool]]:
    """Every candidate tried, with torch's documented formulas written out here."""
    found = []
    for k in bounds.kernels:
        for s in bounds.strides:
            for p in bounds.paddings if bounds.paddings is not None else range(k):
                for d in bounds.dilations:
                    if transposed:  # (W−1)·S − 2P + D·(K−1) + OP + 1, OP < max(S, D)
                        for op in range(max(s, d)):
                            if (w - 1) * s - 2 * p + d * (k - 1) + op + 1 == o:
                                found.append((k, s, p, d, op, True))
                    else:  # floor((W + 2P − D·(K−1) − 1)/S) + 1
                        span = w + 2 * p - d * (k - 1) - 1
                        if span >= 0 and span // s + 1 == o and (span % s == 0 or not exact):
                            found.append((k, s, p, d, 0, span % s == 0))
    return found
