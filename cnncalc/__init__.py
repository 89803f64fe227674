"""cnncalc: CNN shapes, parameters and costs from a text spec.

>>> from cnncalc import analyze, parse
>>> report = analyze(parse("conv 6x5x5 | pool 2 | fc 10"), (1, 32, 32))
>>> report.output_shape, report.total.params
((10,), 11926)
"""

from cnncalc.engine import analyze
from cnncalc.errors import SpecError
from cnncalc.spec import parse

__all__ = ["SpecError", "analyze", "parse"]
__version__ = "0.1.0"
