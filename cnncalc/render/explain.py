"""``--explain``: each layer's arithmetic with its numbers filled in.

Every result shown is the report's own figure; the left-hand sides restate the
rule with the layer's values, so a student can redo the sum by hand:

    H: (200 − 10 + 2·0)/1 + 1 = 191
    params: 100 × (1·10·10) + 100 = 10,100

The lines of each layer come from its kind (:attr:`cnncalc.kinds.Kind.explain`).
"""

from __future__ import annotations

from cnncalc.escape import printable
from cnncalc.kinds import KINDS
from cnncalc.render.columns import shape_text
from cnncalc.report import LayerReport, Report


def render(report: Report) -> str:
    return "\n".join(_explain(layer) for layer in report.layers)


def _explain(layer: LayerReport) -> str:
    shapes = f"{shape_text(layer.input_shape)} → {shape_text(layer.output_shape)}"
    head = f"{layer.index:>3}  {printable(layer.spec)}   {shapes}"
    lines = list(KINDS[layer.kind].explain(layer)) if layer.layer is not None else []
    lines += [f"⚠ {printable(w)}" for w in layer.warnings]
    lines += [f"ⓘ {printable(n)}" for n in layer.notes]  # harmless: shown only here
    return "\n".join([head, *(f"     {line}" for line in lines)])
