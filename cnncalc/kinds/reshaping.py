"""Reshaping: ``flatten``, a view of the whole tensor as one vector."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cnncalc.kinds.base import WHOLE, Arg, Kind, Module, Outcome, no_lines
from cnncalc.layer import LayerSpec, Shape

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def flatten_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    return Outcome(layer=layer, shape=(math.prod(shape),), reach=WHOLE)


def flatten_torch(_: LayerReport) -> Module:
    return Module("nn.Flatten()")


KINDS = (Kind("flatten", Arg.NONE, flatten_rule, "flatten to a vector", no_lines, flatten_torch),)
