"""Shared test helpers.

The differential tests need torch. On a user's machine without it they skip;
CI sets CNNCALC_REQUIRE_TORCH=1 so a missing torch fails instead of skipping.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc import SpecError, analyze, parse
from cnncalc.cli import cli
from cnncalc.report import Report

# torchvision's PyPI wheel is a CUDA build: its compiled ops (detection only)
# cannot load beside the CPU torch, and only the module registering their meta
# kernels fails at import. An empty stand-in lets every classification,
# segmentation and video model build.
sys.modules.setdefault(
    "torchvision._meta_registrations", ModuleType("torchvision._meta_registrations")
)


def need_torch() -> ModuleType:
    if os.environ.get("CNNCALC_REQUIRE_TORCH"):
        return importlib.import_module("torch")
    return pytest.importorskip("torch")


def run(spec: str, *dims: int, strict: bool = False) -> Report:
    return analyze(parse(spec), dims or None, strict=strict)


def error(spec: str, *dims: int) -> SpecError:
    """The error a spec string raises on an input (3x32x32 unless given)."""
    with pytest.raises(SpecError) as info:
        run(spec, *(dims or (3, 32, 32)))
    return info.value


def invoke(
    *args: str, stdin: str | bytes | None = None, color: bool = False
) -> tuple[int, str, str]:
    """The CLI in process: exit code, stdout, stderr. ``color=True`` runs it as on
    a terminal (click.echo would otherwise strip ANSI sequences from stderr)."""
    result = CliRunner().invoke(cli, list(args), input=stdin, color=color)
    return result.exit_code, result.stdout, result.stderr


def kept_by_autograd(spec: str, inplace: bool) -> tuple[int, int]:
    """For ``spec`` on a batch of two 3x8x8 inputs: the bytes cnncalc predicts
    autograd keeps for backward, and those torch keeps, counted as the shared GPU
    method counts them (distinct storages that are not parameters or buffers), on
    the emitted module with its ReLUs in place or not."""

    from cnncalc.memory import estimate

    torch = need_torch()
    _, source, _ = invoke(spec, "--input", "3x8x8", "--emit", "torch")
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    net = namespace["Net"]()
    for module in net.modules():
        if hasattr(module, "inplace"):
            module.inplace = inplace
    saved = saved_bytes(net, torch.randn(2, 3, 8, 8))
    return estimate(run(spec, 3, 8, 8), batch=2, inplace_relu=inplace).kept_bytes, saved


def saved_bytes(net: Any, x: Any) -> int:
    """The bytes autograd keeps for backward when ``net`` runs on ``x``: the
    distinct storages its saved tensors hold, less parameters and buffers (as the
    shared GPU method counts them)."""
    torch = need_torch()
    skip = {p.untyped_storage().data_ptr() for p in [*net.parameters(), *net.buffers()]}
    seen: dict[int, int] = {}

    def pack(t: Any) -> Any:
        storage = t.untyped_storage()
        if storage.data_ptr() not in skip:
            seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        net(x)
    return sum(seen.values())


def check_outcome(args: list[str], stdin: str | None = None) -> int:
    """Run the CLI; assert the outcome is a result or a clean error, never a crash."""
    result = CliRunner().invoke(cli, args, input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        if "--json" in args:
            json.loads(result.stdout)
        return 0
    assert result.exit_code == 2, (args, result.exit_code, result.output)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") or result.stderr.startswith("Usage:"), result.stderr
    return 2
