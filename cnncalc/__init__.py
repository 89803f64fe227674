"""cnncalc: CNN shapes, parameters and costs from a text spec.

One entry point, :func:`summary`, takes a spec string, a YAML path, a preset
name or a parsed model, and the CLI's options as keywords (README "Python API"):

>>> import cnncalc
>>> s = cnncalc.summary("conv 6x5x5 | pool 2 | fc 10", input=(1, 32, 32))
>>> s.output_shape, s.params
((10,), 11926)

:func:`load` reads a network (a preset by name), :func:`parse` a spec string,
:func:`analyze` runs one into a plain-data :class:`Report`; bad input of any
kind raises :class:`SpecError` with the CLI's message.

>>> from cnncalc import analyze, parse
>>> report = analyze(parse("conv 6x5x5 | pool 2 | fc 10"), (1, 32, 32))
>>> report.output_shape, report.total.params
((10,), 11926)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cnncalc.api import Summary, analyze, load, summary
    from cnncalc.errors import SpecError
    from cnncalc.layer import Model
    from cnncalc.presets import names as preset_names
    from cnncalc.readers.spec import parse
    from cnncalc.report import Report

__all__ = [
    "Model",
    "Report",
    "SpecError",
    "Summary",
    "__version__",
    "analyze",
    "load",
    "parse",
    "preset_names",
    "summary",
]
__version__ = "0.1.0"

_HOMES = {
    "Model": ("cnncalc.layer", "Model"),
    "Report": ("cnncalc.report", "Report"),
    "SpecError": ("cnncalc.errors", "SpecError"),
    "Summary": ("cnncalc.api", "Summary"),
    "analyze": ("cnncalc.api", "analyze"),
    "load": ("cnncalc.api", "load"),
    "parse": ("cnncalc.readers.spec", "parse"),
    "preset_names": ("cnncalc.presets", "names"),
    "summary": ("cnncalc.api", "summary"),
}


def __getattr__(name: str) -> object:
    """The public names, imported when first asked for: every CLI call imports
    this package, and most never parse a spec string."""
    if name not in _HOMES:
        raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")
    home, attribute = _HOMES[name]
    value = getattr(importlib.import_module(home), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public API (what ``dir(cnncalc)`` and a notebook's completion show)."""
    return sorted(__all__)
