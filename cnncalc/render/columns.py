"""The per-layer columns shared by the table, CSV and Markdown renderers."""

from __future__ import annotations

from collections.abc import Callable

from cnncalc.layer import Shape
from cnncalc.record import Record
from cnncalc.report import LayerReport

Cell = int | str | Shape
"""A raw cell value; each renderer decides how a number or a shape reads."""


class Column(Record):
    key: str
    title: str
    value: Callable[[LayerReport], Cell]
    numeric: bool = True


def shape_text(shape: Shape, sep: str = "×") -> str:
    return sep.join(str(d) for d in shape)


def _compare(which: str) -> Callable[[LayerReport], Cell]:
    def value(layer: LayerReport) -> Cell:
        if layer.compare is None:
            return ""
        return int(getattr(layer.compare, which).weights)

    return value


BASE = (
    Column("index", "#", lambda r: r.index),
    Column("layer", "layer", lambda r: r.spec, numeric=False),
    Column("output_shape", "output shape", lambda r: r.output_shape, numeric=False),
    Column("params", "params", lambda r: r.costs.params),
    Column("macs", "MACs", lambda r: r.costs.macs),
)
COMPARE = (
    Column("dense_weights", "dense weights", _compare("dense")),
    Column("local_weights", "local weights", _compare("local")),
    Column("shared_weights", "shared weights", _compare("shared")),
)


def _field(layer: LayerReport) -> Cell:
    seen = layer.field
    if seen is None:
        return ""
    sizes = "×".join(str(v if isinstance(v, int) else round(float(v), 2)) for v in seen.sizes)
    return f"{sizes} (all)" if seen.whole else sizes


RF = (Column("receptive_field", "receptive field", _field, numeric=False),)


def columns(compare: bool = False, rf: bool = False) -> tuple[Column, ...]:
    return BASE + (RF if rf else ()) + (COMPARE if compare else ())


def cell(value: Cell, sep: str = "×") -> str:
    """Numbers readable (see :func:`number`), shapes 6×28×28."""
    if isinstance(value, tuple):
        return shape_text(value, sep)
    return number(value) if isinstance(value, int) else value


SI = ("T", "P", "E", "Z", "Y", "R", "Q")
EXACT_BELOW = 10**12


def number(value: int) -> str:
    """Exact with thousands separators below 10¹² (1,600,000,000); above, four
    significant digits and an SI prefix (145.9 T), as a table must stay narrow.
    The JSON and CSV always carry the exact integer."""
    if abs(value) < EXACT_BELOW:
        return f"{value:,}"
    scaled, prefix = abs(value) / EXACT_BELOW, 0
    while scaled >= 1000 and prefix < len(SI) - 1:
        scaled /= 1000
        prefix += 1
    sign = "-" if value < 0 else ""
    digits = f"{scaled:.4g}" if scaled < 1e4 else f"{scaled:.4e}"
    return f"{sign}{digits} {SI[prefix]}"


def nbytes(count: int) -> str:
    """Bytes in binary units: 235.3 KiB."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{count} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
