"""Renderers: turn a :class:`~cnncalc.report.Report` into text. They only render.

:mod:`columns` holds the column titles and cell values every tabular renderer
shares; each renderer module is imported only when its format is asked for, so
``--format json`` never loads Rich.
"""

from __future__ import annotations

from cnncalc.layer import Model
from cnncalc.report import Report


def render(
    report: Report,
    fmt: str,
    compare: bool = False,
    depth: int | None = None,
    tty: bool = False,
    model: Model | None = None,
    rf: bool = False,
) -> str:
    """The whole output document for ``fmt`` (table, json, csv, markdown, or
    torch: PyTorch source for the model)."""
    if fmt == "torch":
        from cnncalc.render import emit_torch

        assert model is not None
        return emit_torch.render(report, model)
    if fmt == "json":
        from cnncalc.render import json

        return json.render(report)
    from cnncalc.render.columns import columns

    cols = columns(compare, rf)
    if fmt == "csv":
        from cnncalc.render.text import render_csv

        return render_csv(report, cols)
    if fmt == "markdown":
        from cnncalc.render.text import render_markdown

        return render_markdown(report, cols)
    from cnncalc.render import table

    return table.render(report, cols, depth, tty)
