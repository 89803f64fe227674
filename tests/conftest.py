"""Shared test helpers.

The differential tests need torch. On a user's machine without it they skip;
CI sets CNNCALC_REQUIRE_TORCH=1 so a missing torch fails instead of skipping.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

from cnncalc import analyze, parse
from cnncalc.report import Report


def need_torch() -> ModuleType:
    if os.environ.get("CNNCALC_REQUIRE_TORCH"):
        return importlib.import_module("torch")
    return pytest.importorskip("torch")


def run(spec: str, *dims: int, strict: bool = False) -> Report:
    return analyze(parse(spec), dims or None, strict=strict)
