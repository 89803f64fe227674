"""Renderers: turn a :class:`~cnncalc.report.Report` into text. They only render.

:mod:`columns` holds the column titles and cell values every tabular renderer
shares; each renderer module is imported only when its format is asked for, so
``--format json`` never loads Rich.
"""

from __future__ import annotations

from cnncalc.record import Record
from cnncalc.report import Report


class Options(Record):
    """What the user asked to see, beyond the format."""

    compare: bool = False
    rf: bool = False
    depth: int | None = None
    tty: bool = False
    batch: int = 1
    dtype: str = "float32"
    optimizer: str = "adam"
    explain: bool = False
    amp: str | None = None
    inplace_relu: bool = True
    kept: bool = False
    """Add the per-layer column of what each layer keeps for backward (``--memory``)."""
    wide: bool = False
    """Table: as wide as it needs, whatever the terminal's width."""
    columns: tuple[str, ...] | None = None
    """Table, CSV, Markdown: the column keys to show, in order (``--columns``)."""


def render(report: Report, fmt: str, options: Options | None = None) -> str:
    """The whole output document for ``fmt``: table, json, csv, markdown, svg,
    html (the page of ``--html``), or torch (PyTorch source)."""
    from cnncalc.memory import Memory, estimate

    options = options or Options()
    if fmt == "svg":
        from cnncalc.render import svg

        return svg.render(report)
    if fmt == "torch":
        from cnncalc.render import emit_torch

        return emit_torch.render(report)

    def memory() -> Memory:
        return estimate(
            report,
            options.batch,
            options.dtype,
            options.optimizer,
            options.amp,
            options.inplace_relu,
        )

    if fmt == "html":  # the page's memory is the JSON's, --amp and --no-inplace included
        from cnncalc.render import html

        return html.render(report, memory())

    if fmt == "json":
        from cnncalc.render import json

        return json.render(report, memory(), options.explain)
    from cnncalc.render.columns import columns

    kept = options.kept or "kept_bytes" in (options.columns or ())
    seen = memory() if kept or fmt == "table" else None
    cols = columns(options.compare, options.rf, seen if kept else None, options.columns)
    if fmt == "csv":
        from cnncalc.render.text import render_csv

        return render_csv(report, cols)
    if fmt == "markdown":
        from cnncalc.render.text import render_markdown

        return render_markdown(report, cols)
    from cnncalc.render import table

    text = table.render(
        report,
        cols,
        options.depth,
        options.tty,
        seen,
        wide=options.wide,
        bars=options.columns is None,  # --columns names the bars if it wants them
    )
    if options.explain:
        from cnncalc.render import explain

        text += "\nHow each figure is computed\n\n" + explain.render(report) + "\n"
    return text
