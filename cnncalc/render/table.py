"""The Rich table: one row per layer, blocks as indented rows with their
subtotals, a totals footer, and the warnings underneath."""

from __future__ import annotations

import io
import os
import re

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cnncalc.escape import printable
from cnncalc.memory import Memory, estimate
from cnncalc.render.columns import BASE, Column, cell, nbytes, number, shape_text, share
from cnncalc.report import BlockReport, LayerReport, Report

NO_COLOR = "NO_COLOR" in os.environ
MAX_NOTES = 12
"""Warnings shown under the table; the JSON has them all."""
RICH_MAX_ROWS = 2_000
"""Above this many rows the table is laid out by plain string padding: Rich
takes about a quarter of a millisecond a row, a minute for 200,000 layers."""

_LONG_TABLE = re.compile(r"(table=\S{12})\S+")


def _layer_text(row: LayerReport) -> str:
    """The spec, with a long connection table cut short (the JSON keeps it whole),
    after the layer's name; control and bidi characters shown escaped."""
    spec = _LONG_TABLE.sub(r"\1…", row.spec)
    return printable(f"{row.name}: {spec}" if row.name else spec)


def _cells(row: LayerReport | BlockReport, cols: tuple[Column, ...]) -> list[str | Text]:
    indent = "  " * (row.depth - 1)
    if isinstance(row, LayerReport):
        cells: list[str | Text] = [cell(c.value(row)) for c in cols]
        cells[1] = indent + _layer_text(row)
        return cells
    values: dict[str, str | Text] = {
        "layer": Text(f"{indent}{printable(row.label)}", style="bold"),
        "output_shape": shape_text(row.output_shape),
        "params": number(row.costs.params),
        "macs": number(row.costs.macs),
    }
    share = (str(c.value(row)) for c in cols if c.key in SHARE)  # type: ignore[arg-type]
    return [values.get(c.key, "") if c.key not in SHARE else next(share) for c in cols]


SHARE = ("params_share", "macs_share")
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(part: int, whole: int, width: int = 8) -> str:
    """``█████▌   69%``: a layer's share of the network, so heavy layers jump out."""
    if not whole or not part:
        return ""
    eighths = share(part, whole, width * 8)
    full, rest = divmod(eighths, 8)
    blocks = ("█" * full + (_EIGHTHS[rest] if rest else "")).ljust(width)
    return f"{blocks} {share(part, whole):3d}%"


def shares(report: Report) -> tuple[Column, ...]:
    """Two columns of bars: each row's share of the parameters and of the MACs."""
    total = report.total
    return (
        Column("params_share", "params share", lambda r: bar(r.costs.params, total.params), False),
        Column("macs_share", "MACs share", lambda r: bar(r.costs.macs, total.macs), False),
    )


def _totals(report: Report) -> dict[str, str]:
    """The footer row, by column key."""
    total = report.total
    return {
        "layer": "total",
        "output_shape": shape_text(report.output_shape),
        "params": number(total.params),
        "macs": number(total.macs),
    }


def build(
    report: Report,
    cols: tuple[Column, ...] = BASE,
    depth: int | None = None,
    memory: Memory | None = None,
) -> Group:
    table = Table(
        title=printable(report.name), show_footer=True, title_justify="left", header_style="bold"
    )
    footers = _totals(report)
    for c in cols:
        table.add_column(
            c.title,
            footer=footers.get(c.key, ""),
            justify="right" if c.numeric else "left",
            overflow="fold",
            no_wrap=c.numeric,
        )
    for row in _visible(report, depth):
        warned = isinstance(row, LayerReport) and row.warnings
        table.add_row(*_cells(row, cols), style="yellow" if warned else None)
    return Group(table, *footer(report, memory))


def footer(report: Report, memory: Memory | None = None) -> list[Text]:
    """Under the table: the warnings that matter (the input's, then each layer's,
    one line a layer), a count of the notes left out, then the summary block
    (params, MACs, FLOPs, connections, memory), so the totals are the last lines."""
    from cnncalc.render import summary

    total = report.total
    memory = memory or estimate(report)
    warnings = report.warnings
    shown = warnings[:MAX_NOTES]
    notes = [Text(f"⚠ {_whose(i)}: {printable(w)}", style="yellow") for i, w in shown]
    if len(warnings) > MAX_NOTES:
        more = len(warnings) - MAX_NOTES
        notes.append(Text(f"⚠ … and {more} more warnings (all are in --format json)", "yellow"))
    hidden = len(report.notes)
    if hidden:
        layers = "layer" if hidden == 1 else "layers"
        notes.append(
            Text(
                f"ⓘ {hidden} harmless {'note' if hidden == 1 else 'notes'} ({layers} whose last "
                "padding is never used) not shown: --explain or --format json has them",
                style="dim",
            )
        )
    counts = summary.lines(total)
    size = (
        "Param memory",
        f"{nbytes(memory.param_bytes)} ({summary.megabytes(memory.param_bytes)}) at {memory.dtype}",
    )
    width = max(len(label) for label, _ in (*counts, size)) + 2
    block = [
        Text.assemble((f"{label}:".ljust(width), "bold"), value) for label, value in (*counts, size)
    ]
    usage = Text.assemble(
        ("memory ", "bold"),
        f"({_setting(memory)}): activations {nbytes(memory.activation_bytes)}",
        f", kept for backward {nbytes(memory.kept_bytes)}",
    )
    training = Text.assemble(
        (f"training peak with {memory.optimizer} ", "bold"),
        f"{nbytes(memory.training_bytes)} {_where(report, memory.training_peak_at)}",
    )
    inference = Text.assemble(
        ("inference peak ", "bold"),
        f"{nbytes(memory.inference_peak_bytes)} {_where(report, memory.inference_peak_at)}",
    )
    return [*notes, *block, usage, training, inference]


def _whose(index: int) -> str:
    """``layer 3``, or ``input`` for a warning about the input shape."""
    return f"layer {index}" if index else "input"


def _setting(memory: Memory) -> str:
    """``float32, batch 64``, with autocast and ReLUs out of place when asked for."""
    amp = {"bfloat16": "bf16", "float16": "fp16"}.get(memory.amp or "", memory.amp)
    text = f"{memory.dtype}, batch {memory.batch}"
    text += f", autocast {amp}" if amp else ""
    return text + ("" if memory.inplace_relu else ", ReLUs not in place")


_PHASES = {"forward": "during forward", "backward": "during backward"}


def _where(report: Report, peak: dict[str, object] | None) -> str:
    """``during backward at layer 34 (layer3.0.conv2: conv 256x3x3 p1)``; a block's
    join: ``at the add of layer2.0``; ``in the optimizer step``."""
    if not peak:
        return ""
    phase, path, index = peak.get("phase"), peak.get("layer"), peak.get("index")
    if phase == "step":
        return "in the optimizer step"
    when = _PHASES.get(str(phase), f"during {phase}")
    if isinstance(index, int) and 0 < index <= len(report.layers):
        layer = report.layers[index - 1]
        # the path where it says more than the index and the name (layer3.0.conv2)
        where = str(path or "")
        shown = "" if where.isdigit() or where == (layer.name or "") else printable(where) + ": "
        return f"{when} at layer {index} ({shown}{_layer_text(layer)})"
    if path is None:  # after the forward: y.float() for the loss
        return f"{when}, at the loss"
    kind = next((r.kind for r in report.rows if r.path == path), "")
    join = {"res": "the residual add", "cat": "the concatenation"}.get(kind, "the join")
    return f"{when} at {join} of {printable(str(path))}"


def plain(
    report: Report,
    cols: tuple[Column, ...] = BASE,
    depth: int | None = None,
    memory: Memory | None = None,
) -> str:
    """The same table for a very long network, padded with spaces, no boxes."""
    rows = [[str(x) for x in _cells(r, cols)] for r in _visible(report, depth)]
    last = _totals(report)
    table = [[c.title for c in cols], *rows, [last.get(c.key, "") for c in cols]]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols))]

    def line(row: list[str]) -> str:
        cells = (
            v.rjust(w) if c.numeric else v.ljust(w)
            for c, v, w in zip(cols, row, widths, strict=True)
        )
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [line(row) for row in table]
    lines = [printable(report.name), body[0], rule, *body[1:-1], rule, body[-1]]
    lines += [text.plain for text in footer(report, memory)]
    return "\n".join(lines) + "\n"


def _visible(report: Report, depth: int | None) -> list[LayerReport | BlockReport]:
    return [r for r in report.rows if depth is None or r.depth <= depth]


MAX_WIDTH = 1000
"""The widest table laid out, for a pipe or a terminal that says it is wider."""


def _columns() -> int:
    """The terminal's width: ``COLUMNS`` when it is a positive number, else what
    the terminal reports (os's, not shutil's: shutil would import bz2 and lzma);
    80 when neither says (a pty that reports 0 columns, ``COLUMNS=0``)."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 6 and int(text) > 0:
        return min(int(text), MAX_WIDTH)
    try:
        columns = os.get_terminal_size().columns
    except OSError:
        columns = 0
    return min(columns, MAX_WIDTH) if columns > 0 else 80


def render(
    report: Report,
    cols: tuple[Column, ...] = BASE,
    depth: int | None = None,
    tty: bool = False,
    memory: Memory | None = None,
) -> str:
    """The table as text: coloured for a terminal (never with NO_COLOR set),
    plain and as wide as it needs for a pipe or a file."""
    cols = (*cols, *shares(report))
    if len(_visible(report, depth)) > RICH_MAX_ROWS:
        return plain(report, cols, depth, memory)
    out = io.StringIO()
    width = _columns() if tty else MAX_WIDTH
    console = Console(
        file=out,
        force_terminal=tty,
        width=width,
        no_color=NO_COLOR or None,
        markup=False,  # specs are not Rich markup: "[relu]*2" must print as written
        emoji=False,
        highlight=False,
    )
    console.print(build(report, cols, depth, memory))
    if tty:
        return out.getvalue()
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"
