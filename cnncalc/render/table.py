"""The Rich table: an input row, one row per layer, blocks as indented rows with
their subtotals and their paths labelled (body / shortcut, branch 1…n, an
identity path as a row), a totals footer, and the warnings underneath.

On a terminal the table fits the terminal's width, and no number, shape or name
is ever cut: headers wrap between words, the layer column wraps between the
spec's words, and when that is not enough whole columns are shed in the order
of :data:`SHED`, with one line above the table saying which and how to get them
back (``--wide``, ``--columns``). Piped, the table is as wide as it needs.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cnncalc.escape import printable
from cnncalc.layer import BlockKind
from cnncalc.memory import Memory, estimate
from cnncalc.record import Record
from cnncalc.render.columns import BASE, Column, cell, nbytes, number, shape_text, share
from cnncalc.report import BlockReport, Costs, LayerReport, Report, Row, preorder

if TYPE_CHECKING:
    from cnncalc.constructs import Construct

NO_COLOR = "NO_COLOR" in os.environ
MAX_NOTES = 12
"""Warnings shown under the table; the JSON has them all."""
RICH_MAX_ROWS = 2_000
"""Above this many rows the table is laid out by plain string padding: Rich
takes about a quarter of a millisecond a row, a minute for 200,000 layers."""

_LONG_TABLE = re.compile(r"(table=\S{12})\S+")

SHARE = ("params_share", "macs_share")
COMPARE = ("dense_weights", "local_weights", "shared_weights")
FOLD = "fold"
"""The step that moves the comparison columns under their layer's spec."""
COMPACT = "compact"
"""The step that drops the table's outer border and the padding inside it."""
OTHERS = "others"
"""The step that sheds any column not named in :data:`SHED` (but the layer's)."""
SHED: tuple[tuple[str, ...] | str, ...] = (
    SHARE,
    FOLD,
    COMPARE,
    OTHERS,
    ("receptive_field",),
    COMPACT,
    ("index",),
    ("macs",),
    ("params",),
    ("output_shape",),
)
"""What goes, in order, when the table does not fit: the two share bars, then the
comparison columns fold under their layer (or, if even that does not fit, go),
then any other extra column, the receptive field, the outer border, the layer
number, and last the MACs, the parameters and the output shape. The layer
column always stays."""

Para = tuple[str, tuple[str, ...]]
"""A paragraph of the layer column: a separator and the words it joins; a line
breaks only between words."""


class Line(Record):
    """One row of the table as text: cells by column key, and the layer column as
    paragraphs at an indent (the first paragraph's continuation lines and any
    later paragraph two spaces further in)."""

    cells: dict[str, str]
    layer: tuple[Para, ...]
    indent: int = 0
    folded: Para | None = None
    style: str | None = None


def _words(text: str) -> tuple[str, ...]:
    return tuple(word for word in text.split(" ") if word)


def _layer_words(row: LayerReport) -> tuple[str, ...]:
    """The spec, with a long connection table cut short (the JSON keeps it whole),
    after the layer's name (one word, spaces and all: a name is never split);
    control and bidi characters shown escaped."""
    spec = _words(printable(_LONG_TABLE.sub(r"\1…", row.spec)))
    return (f"{printable(row.name)}:", *spec) if row.name else spec


def _layer_text(row: LayerReport) -> str:
    return " ".join(_layer_words(row))


_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(part: int, whole: int, width: int = 8) -> str:
    """``█████▌   69%``: a layer's share of the network, so heavy layers jump out."""
    if not whole or not part:
        return ""
    eighths = share(part, whole, width * 8)
    full, rest = divmod(eighths, 8)
    blocks = ("█" * full + (_EIGHTHS[rest] if rest else "")).ljust(width)
    return f"{blocks} {share(part, whole):3d}%"


def _field_text(row: LayerReport | BlockReport | None) -> str:
    from cnncalc.render.columns import BEYOND, fraction

    seen = row.field if row is not None else None
    if seen is None:
        return ""
    if seen.beyond:
        return BEYOND
    sizes = "×".join(fraction(v) for v in seen.sizes)
    return f"{sizes} (all)" if seen.whole else sizes


class _Builder:
    """Walks the report's tree into :class:`Line` rows, down to ``depth``."""

    def __init__(self, report: Report, cols: tuple[Column, ...], depth: int | None) -> None:
        self.total = report.total
        self.cols = cols
        self.keys = {c.key for c in cols}
        self.depth = depth
        self.lines: list[Line] = []

    def figures(
        self, shape: tuple[int, ...], costs: Costs, last: LayerReport | BlockReport | None
    ) -> dict[str, str]:
        """A block's or a path's cells: its output shape, subtotal, field and bars."""
        cells = {
            "output_shape": shape_text(shape),
            "params": number(costs.params),
            "macs": number(costs.macs),
            "params_share": bar(costs.params, self.total.params),
            "macs_share": bar(costs.macs, self.total.macs),
        }
        if "receptive_field" in self.keys:
            cells["receptive_field"] = _field_text(last)
        return cells

    def rows(self, rows: Iterable[Row], level: int, above: object) -> None:
        for row in rows:
            if self.depth is not None and row.depth > self.depth:
                continue
            if isinstance(row, LayerReport):
                self.layer(row, level)
            else:
                self.block(row, level, above)

    def layer(self, row: LayerReport, level: int) -> None:
        cells: dict[str, str] = {}
        for c in self.cols:
            if c.key == "layer":
                continue
            if c.key in SHARE:
                whole = self.total.params if c.key == "params_share" else self.total.macs
                value = c.value(row)
                cells[c.key] = bar(value, whole) if isinstance(value, int) else ""
            else:
                cells[c.key] = cell(c.value(row))
        folded = None
        if row.compare is not None:
            compare = row.compare
            folded = (
                "  ",
                (
                    f"dense {number(compare.dense.weights)}",
                    f"local {number(compare.local.weights)}",
                    f"shared {number(compare.shared.weights)}",
                ),
            )
        paras = ((" ", _layer_words(row)),)
        style = "yellow" if row.warnings else None
        self.lines.append(Line(cells, paras, 2 * level, folded, style))

    def block(self, row: BlockReport, level: int, above: object) -> None:
        label, inner = _merged(row)
        mine = (row.output_shape, row.costs.params, row.costs.macs)
        # one subtotal per level: a block with its parent's very figures shows none
        cells = {} if mine == above else self.figures(row.output_shape, row.costs, row)
        self.lines.append(Line(cells, ((" ", _words(label)),), 2 * level, None, "bold"))
        if self.depth is not None and inner.depth + 1 > self.depth:
            return
        labelled = _of(inner.kind).path_labels(inner)
        if labelled is not None:
            self.paths(inner, labelled, level, mine)
        else:
            for part in inner.parts:
                self.rows(part, level + 1, mine)

    def paths(
        self,
        block: BlockReport,
        paths: list[tuple[str, tuple[Row, ...]]],
        level: int,
        above: object,
    ) -> None:
        """A residual's body and shortcut, a concat's branches: a label row each
        (with the path's own subtotal when it holds more than one row), then its rows."""
        for label, path in paths:
            if not path:
                cells = {"output_shape": shape_text(_of(block.kind).reads(block))}
                words = (f"{label}:", "identity")
                self.lines.append(Line(cells, ((" ", words),), 2 * level + 2, None, "italic"))
                continue
            cells = {}
            mine = above
            if len(path) > 1:
                costs = Costs.sum(r.costs for r in preorder(path) if isinstance(r, LayerReport))
                last = path[-1]
                mine = (last.output_shape, costs.params, costs.macs)
                if mine != above:  # a body that is the whole block says so once
                    cells = self.figures(last.output_shape, costs, last)
            self.lines.append(Line(cells, ((" ", (label,)),), 2 * level + 2, None, "italic"))
            self.rows(path, level + 2, mine)


def _of(kind: BlockKind) -> Construct:
    """A block's construct (imported on the first block: a table without blocks
    never needs the registry)."""
    from cnncalc.constructs import of

    return of(kind)


def _merged(row: BlockReport) -> tuple[str, BlockReport]:
    """A block's label, and the block whose paths its rows show. A group or a
    single repetition holding one block is one row with it, labelled for both
    (``inception3a: concat``, ``inverted_res ×1``): one subtotal, once."""
    only = row.parts[0][0] if len(row.parts) == 1 and len(row.parts[0]) == 1 else None
    construct = _of(row.kind)
    single = construct.serial and (not construct.repeats or row.count == 1)
    if single and isinstance(only, BlockReport):
        label, inner = _merged(only)
        if construct.group:
            return f"{printable(row.label)}: {label}", inner
        named = f"{printable(row.name)}: " if row.name else ""
        return f"{named}{_named(only, label)} ×1", inner
    return _label(row), row


def _label(row: BlockReport) -> str:
    named = f"{printable(row.name)}: " if row.name else ""
    construct = _of(row.kind)
    if construct.title is not None:
        return f"{named}{construct.title}"
    if construct.repeats:
        return f"{named}{_what(row.parts[0] if row.parts else ())} ×{row.count}"
    return printable(row.label)


MAX_WHAT = 40
"""A repeat's label names a nested repeat up to this long; beyond, ``[…]``."""


def _named(block: BlockReport, label: str) -> str:
    """How a repeat's label names the block it repeats (``label``: the block's own)."""
    construct = _of(block.kind)
    if construct.group:  # a group: its name
        return printable(block.label)
    if construct.repeats:
        return f"[{label}]" if len(label) <= MAX_WHAT else "[…]"
    return label


def _what(rows: tuple[Row, ...], most: int = 3) -> str:
    """What a repeat repeats: one block's name or one layer's spec, or the
    first few as ``[conv 64x3x3 p1 | relu]``."""
    if len(rows) == 1:
        only = rows[0]
        if isinstance(only, LayerReport):
            return _layer_text(only)
        return _named(only, "" if _of(only.kind).group else _merged(only)[0])
    shown = [_what((r,)) for r in rows[:most]]
    return "[" + " | ".join(shown) + (" | …]" if len(rows) > most else "]")


def lines(report: Report, cols: tuple[Column, ...], depth: int | None) -> list[Line]:
    """The table's rows: the input, then the tree down to ``depth``."""
    builder = _Builder(report, cols, depth)
    builder.lines.append(
        Line({"output_shape": shape_text(report.input_shape)}, ((" ", ("input",)),))
    )
    builder.rows(report.tree, 0, None)
    return builder.lines


def _totals(report: Report) -> dict[str, str]:
    """The footer row, by column key."""
    total = report.total
    return {
        "layer": "total",
        "output_shape": shape_text(report.output_shape),
        "params": number(total.params),
        "macs": number(total.macs),
    }


def _paras(line: Line, fold: bool) -> tuple[Para, ...]:
    return (*line.layer, line.folded) if fold and line.folded else line.layer


def wrap(paras: tuple[Para, ...], indent: int, width: int) -> str:
    """The paragraphs as lines of at most ``width`` columns where the words allow,
    broken only between words; continuation lines two spaces further in."""
    out = []
    for i, (sep, words) in enumerate(paras):
        text = " " * (indent + (2 if i else 0))
        for j, word in enumerate(words):
            if j == 0:
                text += word
            elif cell_len(text) + len(sep) + cell_len(word) <= width:
                text += sep + word
            else:
                out.append(text)
                text = " " * (indent + 2) + word
        out.append(text)
    return "\n".join(out)


def _header(title: str, width: int) -> str:
    return wrap(((" ", _words(title)),), 0, width).replace("\n  ", "\n")


class Layout(Record):
    """What fits: the columns shown and their widths, whether the comparison
    figures are folded under the layer, whether the border is compact, and the
    column keys shed."""

    cols: tuple[Column, ...]
    widths: tuple[int, ...]
    fold: bool = False
    compact: bool = False
    hidden: tuple[str, ...] = ()


def _chrome(count: int, compact: bool) -> int:
    """Columns taken by borders and padding: ``│ a │ b │`` or ``a ┃ b``."""
    return 3 * count - 1 - (2 if compact else 0) + (0 if compact else 2)


def _measure(col: Column, rows: list[Line], footer: str, fold: bool) -> tuple[int, int]:
    """A column's natural width (its header on one line, its layer text unbroken)
    and its least (headers and layer text broken at every space)."""
    title = _words(col.title)
    if col.key == "layer":
        natural = least = max(cell_len(col.title), cell_len(footer))
        for line in rows:
            for i, (sep, words) in enumerate(_paras(line, fold)):
                lead = line.indent + (2 if i else 0)
                natural = max(natural, lead + cell_len(sep.join(words)))
                for j, word in enumerate(words):
                    least = max(least, lead + (2 if j and not i else 0) + cell_len(word))
        return natural, max(least, max(cell_len(w) for w in title))
    body = max([cell_len(footer)] + [cell_len(line.cells.get(col.key, "")) for line in rows])
    return max(body, cell_len(col.title)), max(body, *(cell_len(w) for w in title))


def layout(
    rows: list[Line], cols: tuple[Column, ...], footers: dict[str, str], width: int | None
) -> Layout:
    """Widths for ``cols`` within ``width`` (None: as wide as they need), shedding
    columns in the order of :data:`SHED` until the table fits."""
    named = {key for step in SHED if isinstance(step, tuple) for key in step} | {"layer"}
    shown, fold, compact = cols, False, False
    hidden: list[str] = []
    steps = iter(SHED)
    while True:
        sizes = [_measure(c, rows, footers.get(c.key, ""), fold) for c in shown]
        chrome = _chrome(len(shown), compact)
        natural = sum(n for n, _ in sizes) + chrome
        least = sum(m for _, m in sizes) + chrome
        if width is None or natural <= width:
            widths = tuple(n for n, _ in sizes)
        elif least <= width:
            widths = _shrink(shown, sizes, natural - width)
        else:
            step = next(steps, None)
            if step is not None:
                shown, fold, compact = _shed(step, shown, cols, fold, compact, named, hidden)
                continue
            widths = tuple(m for _, m in sizes)  # nothing left to shed: as narrow as it gets
        return Layout(shown, widths, fold, compact, tuple(hidden))


def _shed(
    step: tuple[str, ...] | str,
    shown: tuple[Column, ...],
    cols: tuple[Column, ...],
    fold: bool,
    compact: bool,
    named: set[str],
    hidden: list[str],
) -> tuple[tuple[Column, ...], bool, bool]:
    """One step of :data:`SHED`: the columns left, and whether now folded and compact."""
    keys = {c.key for c in shown}
    if step == COMPACT:
        return shown, fold, True
    if step == FOLD:
        if not keys & set(COMPARE) or "layer" not in keys:
            return shown, fold, compact
        return tuple(c for c in shown if c.key not in COMPARE), True, compact
    gone = {k for k in keys if k not in named} if step == OTHERS else set(step)
    if fold and gone & set(COMPARE):  # the folded figures go too
        hidden += [c.key for c in cols if c.key in COMPARE]
        fold = False
    hidden += [c.key for c in shown if c.key in gone]
    return tuple(c for c in shown if c.key not in gone), fold, compact


def _shrink(cols: tuple[Column, ...], sizes: list[tuple[int, int]], excess: int) -> tuple[int, ...]:
    """Narrow the headers first (they wrap between words), then the layer column."""
    widths = [n for n, _ in sizes]
    order = [i for i, c in enumerate(cols) if c.key != "layer"]
    order += [i for i, c in enumerate(cols) if c.key == "layer"]
    for i in order:
        cut = min(excess, widths[i] - sizes[i][1])
        widths[i] -= cut
        excess -= cut
    return tuple(widths)


def hidden_note(hidden: tuple[str, ...], width: int) -> str:
    """The one line saying what did not fit and how to see it."""
    return f"not shown at {width} columns: {', '.join(hidden)}; try --wide or --columns"


def build(
    report: Report,
    cols: tuple[Column, ...] = BASE,
    depth: int | None = None,
    memory: Memory | None = None,
    width: int | None = None,
) -> tuple[Group, int]:
    """The table, fitted to ``width`` columns (None: as wide as it needs), with
    its title, a line naming any column shed, and the footer lines; and the
    table's own width."""
    rows = lines(report, cols, depth)
    footers = _totals(report)
    fit = layout(rows, cols, footers, width)
    table = Table(
        box=box.HEAVY_HEAD,
        show_footer=True,
        header_style="bold",
        show_edge=not fit.compact,
        pad_edge=not fit.compact,
    )
    for c, w in zip(fit.cols, fit.widths, strict=True):
        table.add_column(
            _header(c.title, w),
            footer=footers.get(c.key, ""),
            justify="right" if c.numeric else "left",
            no_wrap=True,
            width=w,
        )
    layer = [i for i, c in enumerate(fit.cols) if c.key == "layer"]
    for line in rows:
        cells = [line.cells.get(c.key, "") for c in fit.cols]
        for i in layer:
            cells[i] = wrap(_paras(line, fit.fold), line.indent, fit.widths[i])
        table.add_row(*cells, style=line.style)
    head: list[Text] = [Text(printable(report.name), style="bold")]
    if fit.hidden and width is not None:
        head.append(Text(hidden_note(fit.hidden, width), style="dim"))
    own = sum(fit.widths) + _chrome(len(fit.cols), fit.compact)
    return Group(*head, table, *footer(report, memory)), own


def footer(report: Report, memory: Memory | None = None) -> list[Text]:
    """Under the table: the warnings that matter (the input's, then each layer's,
    one line a layer), a count of the notes left out, then the summary block
    (params, MACs, FLOPs, connections, memory), so the totals are the last lines."""
    from cnncalc.render import summary

    total = report.total
    memory = memory or estimate(report)
    warnings = report.warnings
    shown = warnings[:MAX_NOTES]
    notes = [Text(f"⚠ {_whose(report, i)}: {printable(w)}", style="yellow") for i, w in shown]
    if len(warnings) > MAX_NOTES:
        more = len(warnings) - MAX_NOTES
        notes.append(Text(f"⚠ … and {more} more warnings (all are in --format json)", "yellow"))
    hidden = len(report.notes)
    if hidden:
        notes.append(
            Text(
                f"ⓘ {hidden} harmless {'note' if hidden == 1 else 'notes'} (unused padding, "
                "strided 1×1 windows, findings a spec marks intended) not shown: --explain "
                "or --format json has them",
                style="dim",
            )
        )
    if report.outputs:
        shown_outputs = ", ".join(
            f"{printable(name)} {shape_text(shape)}"
            for name, _, shape in report.outputs[:MAX_NOTES]
        )
        more = len(report.outputs) - MAX_NOTES
        shown_outputs += f" and {more} more" if more > 0 else ""
        notes.append(Text(f"outputs besides the last layer's: {shown_outputs}"))
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
        # under autocast the sum is still of float32 outputs: say so, lest it read
        # as what autocast holds (it is every output at once, torchinfo's count)
        f" (every output summed at {memory.dtype})" if memory.amp else "",
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


def _whose(report: Report, index: int) -> str:
    """``layer 42 (layer2.0.0.shortcut.0: conv 512x1x1 s2)``, as the memory lines
    name a layer, so that a warning means something under ``--depth 1``; ``input``
    for a warning about the input shape."""
    if not index:
        return "input"
    layer = report.layers[index - 1]
    where = layer.path
    shown = "" if where.isdigit() or where == (layer.name or "") else printable(where) + ": "
    return f"layer {index} ({shown}{_layer_text(layer)})"


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
        return f"{when} at {_whose(report, index)}"
    if path is None:  # after the forward: y.float() for the loss
        return f"{when}, at the loss"
    row = next((r for r in report.rows if r.path == path), None)
    join = _of(row.kind).footer if isinstance(row, BlockReport) else "the join"
    where = f"block {path}" if str(path).isdigit() else printable(str(path))
    return f"{when} at {join} of {where}"


def plain(
    report: Report,
    cols: tuple[Column, ...] = BASE,
    depth: int | None = None,
    memory: Memory | None = None,
) -> str:
    """The same table for a very long network, padded with spaces, no boxes."""
    rows = [
        [
            wrap(r.layer, r.indent, 10**9) if c.key == "layer" else r.cells.get(c.key, "")
            for c in cols
        ]
        for r in lines(report, cols, depth)
    ]
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
    lines_ = [printable(report.name), body[0], rule, *body[1:-1], rule, body[-1]]
    lines_ += [text.plain for text in footer(report, memory)]
    return "\n".join(lines_) + "\n"


MAX_WIDTH = 1000
"""The widest a line of text under the table runs in a pipe."""


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
    *,
    width: int | None = None,
    wide: bool = False,
    color: bool | None = None,
    bars: bool = True,
) -> str:
    """The table as text. On a terminal (``tty``) it fits the terminal's width,
    or ``width`` when given, and is coloured (never with NO_COLOR set, nor with
    ``color`` False); with ``wide``, or piped, it is as wide as it needs. The
    share bars join ``cols`` with ``bars`` unless ``cols`` already names either."""
    if bars and not any(c.key in SHARE for c in cols):
        from cnncalc.render.columns import SHARES

        cols = (*cols, *SHARES)
    shown = [r for r in report.rows if depth is None or r.depth <= depth]
    labels = sum(len(r.parts) for r in shown if isinstance(r, BlockReport))  # a line a path
    if len(shown) + labels > RICH_MAX_ROWS:
        return plain(report, cols, depth, memory)
    fit = None if wide else width if width is not None else _columns() if tty else None
    colour = tty and not NO_COLOR if color is None else color
    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=colour,
        color_system="auto" if colour else None,
        width=fit or MAX_WIDTH,
        no_color=not colour or None,
        markup=False,  # specs are not Rich markup: "[relu]*2" must print as written
        emoji=False,
        highlight=False,
    )
    group, own = build(report, cols, depth, memory, fit)
    if fit is None and own > MAX_WIDTH:  # as wide as the table needs, whatever it is
        console.width = own
    console.print(group)
    if colour:
        return out.getvalue()
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"
