"""cnncalc: CNN shapes, parameters and costs from a text spec.

>>> from cnncalc import analyze, parse
>>> report = analyze(parse("conv 6x5x5 | pool 2 | fc 10"), (1, 32, 32))
>>> report.output_shape, report.total.params
((10,), 11926)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cnncalc.engine import analyze
    from cnncalc.errors import SpecError
    from cnncalc.readers.spec import parse

__all__ = ["SpecError", "analyze", "parse"]
__version__ = "0.1.0"

_HOMES = {
    "analyze": "cnncalc.engine",
    "SpecError": "cnncalc.errors",
    "parse": "cnncalc.readers.spec",
}


def __getattr__(name: str) -> object:
    """The public names, imported when first asked for: every CLI call imports
    this package, and most never parse a spec string."""
    if name not in _HOMES:
        raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
