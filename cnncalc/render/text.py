"""CSV and Markdown: one row per layer, the table's columns, for other tools."""

from __future__ import annotations

import csv
import io

from cnncalc.render.columns import BASE, Column, cell, shape_text
from cnncalc.report import Report


def render_csv(report: Report, cols: tuple[Column, ...] = BASE) -> str:
    """Plain values (no thousands separators, ``x`` in shapes) for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in cols])
    for layer in report.layers:
        values = (c.value(layer) for c in cols)
        writer.writerow(shape_text(v, "x") if isinstance(v, tuple) else v for v in values)
    return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: Report, cols: tuple[Column, ...] = BASE) -> str:
    lines = [
        "| " + " | ".join(c.title for c in cols) + " |",
        "|" + "|".join("---:" if c.numeric else "---" for c in cols) + "|",
    ]
    for layer in report.layers:
        lines.append("| " + " | ".join(_cell(cell(c.value(layer))) for c in cols) + " |")
    total = report.total
    lines.append(
        f"| | **total** | {shape_text(report.output_shape)} | **{total.params:,}** | "
        f"**{total.macs:,}** |" + " |" * (len(cols) - 5)
    )
    return "\n".join(lines) + "\n"
