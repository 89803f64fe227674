"""Shared test helpers.

The differential tests need torch. On a user's machine without it they skip;
CI sets CNNCALC_REQUIRE_TORCH=1 so a missing torch fails instead of skipping.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest
from click.testing import CliRunner

from cnncalc import SpecError, analyze, parse
from cnncalc.cli import cli
from cnncalc.report import Report


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
