"""The Rich table: one row per layer, a totals footer, warnings underneath."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cnncalc.render.columns import cell, columns, nbytes, shape_text
from cnncalc.report import Report

FLOAT32_BYTES = 4


def build(report: Report, compare: bool = False) -> Group:
    cols = columns(compare)
    table = Table(title=report.name, show_footer=True, title_justify="left", header_style="bold")
    total = report.total
    footers = {
        "layer": "total",
        "output_shape": shape_text(report.output_shape),
        "params": f"{total.params:,}",
        "macs": f"{total.macs:,}",
    }
    for c in cols:
        table.add_column(
            c.title,
            footer=footers.get(c.key, ""),
            justify="right" if c.numeric else "left",
            overflow="fold",
            no_wrap=c.numeric,
        )
    for layer in report.layers:
        style = "yellow" if layer.warnings else None
        table.add_row(*(cell(c.value(layer)) for c in cols), style=style)
    summary = Text.assemble(
        ("params ", "bold"),
        f"{total.params:,} (trainable {total.trainable_params:,}",
        f", buffers {total.buffers:,})" if total.buffers else ")",
        ("  MACs ", "bold"),
        f"{total.macs:,}",
        ("  param memory ", "bold"),
        f"{nbytes(total.params * FLOAT32_BYTES)} at float32",
    )
    notes = [Text(f"⚠ layer {i}: {w}", style="yellow") for i, w in report.warnings]
    return Group(table, summary, *notes)


def render(report: Report, console: Console, compare: bool = False) -> None:
    console.print(build(report, compare))
