"""CSV and Markdown: one row per layer, the table's columns, for other tools.

Text from the spec is shown :func:`~cnncalc.escape.printable` in both (a control
or bidi character as ``\\x1b``, ``\\u202e``), so neither a terminal nor a
spreadsheet receives raw control characters; the JSON keeps the exact text.
"""

from __future__ import annotations

import csv
import io

from cnncalc.escape import printable
from cnncalc.render.columns import BASE, Cell, Column, cell, shape_text
from cnncalc.report import Report


def render_csv(report: Report, cols: tuple[Column, ...] = BASE) -> str:
    """Plain values (no thousands separators, ``x`` in shapes) for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in cols])
    for layer in report.layers:
        writer.writerow(_csv_cell(c.value(layer), c.key) for c in cols)
    return out.getvalue()


def _csv_cell(value: Cell, key: str = "") -> int | str:
    """A number as is; shapes and sizes one way, ``6x28x28`` (the receptive
    field's ``5×5`` too)."""
    if isinstance(value, tuple):
        return shape_text(value, "x")
    if isinstance(value, int):
        return value
    return printable(value.replace("×", "x") if key == "receptive_field" else value)


def _cell(text: str) -> str:
    """A Markdown cell: one line, no raw control characters, a ``|`` that does
    not end the cell, and no HTML (``<``, ``>`` and ``&`` as entities)."""
    shown = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return shown.replace("|", "\\|")  # chained: a quarter of str.translate's time


def render_markdown(report: Report, cols: tuple[Column, ...] = BASE) -> str:
    lines = [
        "| " + " | ".join(c.title for c in cols) + " |",
        "|" + "|".join("---:" if c.numeric else "---" for c in cols) + "|",
    ]
    for layer in report.layers:
        values = (c.value(layer) for c in cols)  # only text needs escaping: specs, names
        lines.append(
            "| " + " | ".join(_cell(v) if isinstance(v, str) else cell(v) for v in values) + " |"
        )
    total = report.total
    totals = {
        "layer": "**total**",
        "output_shape": shape_text(report.output_shape),
        "params": f"**{total.params:,}**",
        "macs": f"**{total.macs:,}**",
    }
    cells = (totals.get(c.key, "") for c in cols)
    lines.append("|" + "|".join(f" {v} " if v else " " for v in cells) + "|")
    return "\n".join(lines) + "\n"
