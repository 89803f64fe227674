"""The Rich table: one row per layer, blocks as indented rows with their
subtotals, a totals footer, and the warnings underneath."""

from __future__ import annotations

import io
import os
import re
import shutil

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cnncalc.render.columns import Column, cell, columns, nbytes, shape_text
from cnncalc.report import BlockReport, LayerReport, Report

FLOAT32_BYTES = 4
NO_COLOR = "NO_COLOR" in os.environ
MAX_NOTES = 12
"""Warnings shown under the table; the JSON has them all."""

_LONG_TABLE = re.compile(r"(table=\S{12})\S+")


def _layer_text(row: LayerReport) -> str:
    """The spec, with a long connection table cut short (the JSON keeps it whole)."""
    spec = _LONG_TABLE.sub(r"\1…", row.spec)
    return f"{row.name}: {spec}" if row.name else spec


def _cells(row: LayerReport | BlockReport, cols: tuple[Column, ...]) -> list[str | Text]:
    indent = "  " * (row.depth - 1)
    if isinstance(row, LayerReport):
        cells: list[str | Text] = [cell(c.value(row)) for c in cols]
        cells[1] = indent + _layer_text(row)
        return cells
    values: dict[str, str | Text] = {
        "layer": Text(f"{indent}{row.label}", style="bold"),
        "output_shape": shape_text(row.output_shape),
        "params": f"{row.costs.params:,}",
        "macs": f"{row.costs.macs:,}",
    }
    return [values.get(c.key, "") for c in cols]


def build(report: Report, compare: bool = False, depth: int | None = None) -> Group:
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
    for row in report.rows:
        if depth is not None and row.depth > depth:
            continue
        warned = isinstance(row, LayerReport) and row.warnings
        table.add_row(*_cells(row, cols), style="yellow" if warned else None)
    summary = Text.assemble(
        ("params ", "bold"),
        f"{total.params:,} (trainable {total.trainable_params:,}",
        f", buffers {total.buffers:,})" if total.buffers else ")",
        ("  MACs ", "bold"),
        f"{total.macs:,}",
        ("  param memory ", "bold"),
        f"{nbytes(total.params * FLOAT32_BYTES)} at float32",
    )
    warnings = report.warnings
    notes = [Text(f"⚠ layer {i}: {w}", style="yellow") for i, w in warnings[:MAX_NOTES]]
    if len(warnings) > MAX_NOTES:
        more = len(warnings) - MAX_NOTES
        notes.append(Text(f"⚠ … and {more} more warnings (all are in --format json)", "yellow"))
    return Group(table, summary, *notes)


def render(
    report: Report, compare: bool = False, depth: int | None = None, tty: bool = False
) -> str:
    """The table as text: coloured for a terminal (never with NO_COLOR set),
    plain and as wide as it needs for a pipe or a file."""
    out = io.StringIO()
    width = shutil.get_terminal_size().columns if tty else 1000
    console = Console(file=out, force_terminal=tty, width=width, no_color=NO_COLOR or None)
    console.print(build(report, compare, depth))
    if tty:
        return out.getvalue()
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"
