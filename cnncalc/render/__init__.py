"""Renderers: turn a :class:`~cnncalc.report.Report` into text. They only render.

:mod:`columns` holds the column titles and cell values every tabular renderer
shares; each renderer module is imported only when its format is asked for, so
``--format json`` never loads Rich. :data:`FORMATS` names each document and
the function that writes it; :meth:`Options.check` refuses, for the CLI and
the Python API alike, an option the chosen document would ignore.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cnncalc.errors import SpecError
from cnncalc.record import Record
from cnncalc.report import Report

if TYPE_CHECKING:
    from cnncalc.memory import Memory


class Options(Record):
    """What the user asked to see, beyond the format. Build it by keyword."""

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
    attention: str = "auto"
    """The kernel attention's memory assumes (``--attention``): auto, math, flash, efficient."""
    kept: bool = False
    """Add the per-layer column of what each layer keeps for backward (``--memory``)."""
    wide: bool = False
    """Table: as wide as it needs, whatever the terminal's width."""
    columns: tuple[str, ...] | None = None
    """Table, CSV, Markdown: the column keys to show, in order (``--columns``)."""
    given: frozenset[str] | None = None
    """The options the user gave (field names), for :meth:`check`; None: those that
    differ from their defaults (a Python caller's keywords)."""

    def given_fields(self) -> frozenset[str]:
        if self.given is not None:
            return self.given
        bare = Options()
        return frozenset(
            f for f in self._compared if f != "given" and getattr(self, f) != getattr(bare, f)
        )

    def check(self, fmt: str) -> None:
        """Refuse an option that ``fmt`` would ignore: one error naming the pair
        (the CLI's ``--emit torch --explain``; a Python caller's
        ``Options(depth=1).check("csv")``)."""
        if fmt not in FORMATS:
            raise SpecError(f"unknown format '{fmt}': one of {', '.join(FORMATS)}")
        given = self.given_fields()
        for field in FIELDS:
            if field in given and (fmt, field) in REFUSED:
                raise SpecError(REFUSED[fmt, field].format(fmt=fmt, flag=flag(field)))


FIELDS = tuple(f for f in Options._compared if f not in ("tty", "given"))
"""The options, in the order their errors name them."""

_SOURCE = "--emit torch prints source code; {flag} has no effect on it: leave one out"
_NOT_IN_SOURCE: tuple[str, ...] = ("explain", "depth", "batch", "compare", "rf", "kept")
_NOT_IN_SOURCE += ("dtype", "optimizer", "amp", "inplace_relu", "attention")
REFUSED: dict[tuple[str, str], str] = {
    **{
        (fmt, "explain"): "--explain adds lines under the table (or an 'explain' list to "
        "--format json); {fmt} has no place for them"
        for fmt in ("csv", "markdown", "svg")
    },
    **{
        (fmt, "depth"): "--depth folds the table's blocks; {fmt} lists every layer: leave "
        "--depth out"
        for fmt in ("csv", "markdown", "json", "svg", "html")
    },
    **{
        (fmt, "wide"): "--wide is for the table; --format {fmt} is not one"
        for fmt in ("json", "csv", "markdown", "torch", "svg", "html")
    },
    **{
        (fmt, "columns"): "--columns picks the columns of the table, CSV or Markdown, not {fmt}"
        for fmt in ("json", "torch", "svg", "html")
    },
    **{("torch", field): _SOURCE for field in _NOT_IN_SOURCE},
}
"""Each option a document cannot show, with what to say. JSON holds every column
and the receptive field whatever --rf, --compare and --memory say (they are
accepted there, as they always were)."""
FLAGS = {"kept": "--memory", "inplace_relu": "--no-inplace"}


def flag(field: str) -> str:
    """The CLI option that sets ``field``."""
    return FLAGS.get(field) or "--" + field.replace("_", "-")


def _memory(report: Report, options: Options) -> Memory:
    from cnncalc.memory import estimate

    return estimate(
        report,
        options.batch,
        options.dtype,
        options.optimizer,
        options.amp,
        options.inplace_relu,
        options.attention,
    )


def _svg(report: Report, options: Options) -> str:
    from cnncalc.render import svg

    return svg.render(report)


def _torch(report: Report, options: Options) -> str:
    from cnncalc.render import emit_torch

    return emit_torch.render(report)


def _html(report: Report, options: Options) -> str:
    from cnncalc.render import html

    return html.render(report, _memory(report, options))  # --amp and --no-inplace included


def _json(report: Report, options: Options) -> str:
    from cnncalc.render import json

    return json.render(report, _memory(report, options), options.explain)


def _tabular(fmt: str) -> Callable[[Report, Options], str]:
    def write(report: Report, options: Options) -> str:
        from cnncalc.render import text
        from cnncalc.render.columns import columns

        kept = options.kept or "kept_bytes" in (options.columns or ())
        cols = columns(
            options.compare, options.rf, _memory(report, options) if kept else None, options.columns
        )
        return (text.render_csv if fmt == "csv" else text.render_markdown)(report, cols)

    return write


def _table(report: Report, options: Options) -> str:
    from cnncalc.render import table
    from cnncalc.render.columns import columns

    kept = options.kept or "kept_bytes" in (options.columns or ())
    seen = _memory(report, options)
    cols = columns(options.compare, options.rf, seen if kept else None, options.columns)
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


FORMATS: dict[str, Callable[[Report, Options], str]] = {
    "table": _table,
    "json": _json,
    "csv": _tabular("csv"),
    "markdown": _tabular("markdown"),
    "svg": _svg,
    "html": _html,
    "torch": _torch,
}
"""Every document, by the name ``--format`` (or ``--emit``, ``--svg``, ``--html``) gives it."""


def render(report: Report, fmt: str, options: Options | None = None) -> str:
    """The whole output document for ``fmt``: table, json, csv, markdown, svg,
    html (the page of ``--html``), or torch (PyTorch source)."""
    write = FORMATS.get(fmt)
    if write is None:
        raise SpecError(f"unknown format '{fmt}': one of {', '.join(FORMATS)}")
    return write(report, options or Options())
