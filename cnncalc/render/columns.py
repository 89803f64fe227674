"""The per-layer columns shared by the table, CSV and Markdown renderers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cnncalc.kinds import Rational
from cnncalc.layer import Shape
from cnncalc.layer import shape_text as shape_text  # for every renderer
from cnncalc.record import Record
from cnncalc.report import LayerReport

if TYPE_CHECKING:
    from cnncalc.memory import Memory

Cell = int | str | Shape
"""A raw cell value; each renderer decides how a number or a shape reads."""


class Column(Record):
    key: str
    title: str
    value: Callable[[LayerReport], Cell]
    numeric: bool = True


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


BEYOND = ">10^30"
"""The receptive field of a layer where one of its numbers passed 10^30 (no
longer worked out, see :mod:`cnncalc.receptive`)."""


def _field(layer: LayerReport) -> Cell:
    seen = layer.field
    if seen is None:
        return ""
    if seen.beyond:
        return BEYOND
    sizes = "×".join(fraction(v) for v in seen.sizes)
    return f"{sizes} (all)" if seen.whole else sizes


RF = (Column("receptive_field", "receptive field", _field, numeric=False),)


def kept(memory: Memory) -> Column:
    """``--memory``: the bytes each layer keeps for its backward pass (``kept_bytes``)
    at the estimate's batch, dtype and autocast."""
    by_layer = memory.kept_by_layer or {}
    return Column("kept_bytes", "kept bytes", lambda r: by_layer.get(r.index, 0))


SHARES = (
    Column("params_share", "params share", lambda r: r.costs.params, numeric=False),
    Column("macs_share", "MACs share", lambda r: r.costs.macs, numeric=False),
)
"""The table's two bars: the table draws each row's value as a share of the
network's total. Table only: CSV and Markdown have no bars."""

KEPT = "kept_bytes"
"""The key of the ``--memory`` column: it needs the memory estimate to exist."""


def registry(memory: Memory | None = None) -> dict[str, Column]:
    """Every column ``--columns`` can name, by key, in the table's default order
    (``kept_bytes`` when the memory estimate is given)."""
    kept_ = (kept(memory),) if memory is not None else ()
    return {c.key: c for c in (*BASE, *RF, *kept_, *COMPARE, *SHARES)}


def columns(
    compare: bool = False,
    rf: bool = False,
    memory: Memory | None = None,
    keys: tuple[str, ...] | None = None,
) -> tuple[Column, ...]:
    """The columns asked for: ``keys`` (``--columns``, in the order given) or the
    base ones, with the receptive field, what each layer keeps (given the
    ``memory`` estimate) and the comparison added for ``rf``, ``memory`` and
    ``compare`` when ``keys`` does not already name them."""
    kept_ = (kept(memory),) if memory is not None else ()
    extra = (RF if rf else ()) + kept_ + (COMPARE if compare else ())
    if keys is None:
        return BASE + extra
    known = registry(memory)
    chosen = [known[key] for key in keys]
    return (*chosen, *(c for c in extra if c.key not in keys))


def parse_keys(text: str) -> tuple[str, ...]:
    """``--columns layer,params,macs``: the keys in order, each once. An unknown
    key is a ``ValueError`` whose message lists the keys there are."""
    known = [*registry(), KEPT]
    keys: list[str] = []
    for part in text.split(","):
        key = part.strip().lower()
        if not key:
            continue
        if key not in known:
            from cnncalc.escape import printable
            from cnncalc.number import short

            raise ValueError(
                f"--columns: unknown column '{printable(short(key))}'; "
                f"the columns are: {', '.join(known)}"
            )
        if key not in keys:
            keys.append(key)
    if not keys:
        raise ValueError(f"--columns: no column given; the columns are: {', '.join(known)}")
    return tuple(keys)


def cell(value: Cell, sep: str = "×") -> str:
    """Numbers readable (see :func:`number`), shapes 6×28×28."""
    if isinstance(value, tuple):
        return shape_text(value, sep)
    return number(value) if isinstance(value, int) else value


SI = ("T", "P", "E", "Z", "Y", "R", "Q")
EXACT_BELOW = 10**12


def number(value: int) -> str:
    """Exact with thousands separators below 10¹² (1,600,000,000); above, four
    significant digits and an SI prefix (145.9 T), as a table must stay narrow;
    from 10,000 Q on, a mantissa and a power of ten (1.235e+05 Q). The JSON and
    CSV always carry the exact integer.

    Integer arithmetic (see :func:`significant`): a figure of hundreds of digits,
    past a float's 10³⁰⁸, is rounded, never overflows."""
    if abs(value) < EXACT_BELOW:
        return f"{value:,}"
    sign = "-" if value < 0 else ""
    digits, exponent = significant(abs(value), 4)  # value ≈ digits · 10^exponent
    magnitude = exponent + len(str(digits)) - 1  # 10^magnitude ≤ the rounded value
    prefix = min((magnitude - 12) // 3, len(SI) - 1)
    shift = exponent - (12 + 3 * prefix)  # the value is digits · 10^shift of the prefix
    if magnitude - (12 + 3 * prefix) >= 4:  # 10,000 Q or more
        text = str(digits).rstrip("0") or "0"
        mantissa = f"{text[0]}.{text[1:]}" if len(text) > 1 else text
        return f"{sign}{mantissa}e+{magnitude - 30:02d} {SI[prefix]}"
    return f"{sign}{_decimal(digits, shift)} {SI[prefix]}"


EXACT_BITS = 14_000
"""Up to this many bits (about 4,200 digits, within what Python will ``str``)
figures are rounded exactly; beyond, from their leading bits, as exact division
would take quadratic time."""


def significant(value: int, count: int) -> tuple[int, int]:
    """``value`` (> 0) rounded to ``count`` significant digits, half to even:
    ``(digits, exponent)`` with ``value ≈ digits · 10^exponent`` and ``digits``
    of ``count`` digits (fewer only when ``value`` itself has fewer)."""
    if value.bit_length() > EXACT_BITS:
        return _significant_approx(value, count)
    exponent = max(len(str(value)) - count, 0)
    digits = ratio(value, 10**exponent)
    if digits >= 10**count:  # 9,999.5 rounded up to 10,000: one digit more
        digits, exponent = ratio(digits, 10), exponent + 1
    return digits, exponent


def _significant_approx(value: int, count: int) -> tuple[int, int]:
    """:func:`significant` for a huge ``value``, from its leading 64 bits: its
    logarithm is good to far more than ``count`` digits."""
    import math

    drop = value.bit_length() - 64
    log = math.log10(value >> drop) + drop * math.log10(2)
    magnitude = math.floor(log)
    digits = round(10 ** (log - magnitude + count - 1))
    if digits >= 10**count:
        digits //= 10
        magnitude += 1
    return digits, magnitude - count + 1


def ratio(part: int, whole: int) -> int:
    """``part / whole`` rounded to the nearest integer, half to even (as
    ``round`` does), in integer arithmetic: no float to overflow or lose digits."""
    quotient, rest = divmod(part, whole)
    twice = 2 * rest
    if twice > whole or (twice == whole and quotient % 2):
        quotient += 1
    return quotient


def share(part: int, whole: int, scale: int = 100) -> int:
    """``part`` as a rounded share of ``whole`` out of ``scale`` (a percentage by
    default): ``round(part * scale / whole)`` without the float, so figures past
    10³⁰⁸ work. ``whole`` must not be 0."""
    return ratio(part * scale, whole)


def _decimal(digits: int, shift: int) -> str:
    """``digits · 10^shift`` as a short decimal: ``1459, -1`` → 145.9; trailing
    zeros dropped, as ``format(x, "g")`` does."""
    text = str(digits)
    if shift >= 0:
        return text + "0" * shift
    text = text.rjust(-shift + 1, "0")
    whole, frac = text[:shift], text[shift:].rstrip("0")
    return f"{whole}.{frac}" if frac else whole


def nbytes(count: int) -> str:
    """Bytes in binary units: 235.3 KiB, to a tenth (rounded half to even), in
    integer arithmetic; PiB is the largest unit, counted with :func:`number`
    once the count of PiB reaches 10¹²."""
    if count < 1024:
        return f"{count} B"
    for power, unit in enumerate(("KiB", "MiB", "GiB", "TiB", "PiB"), 1):
        tenths = ratio(count * 10, 1024**power)
        if tenths < 10240 or unit == "PiB":
            break
    if tenths >= 10 * EXACT_BELOW:
        return f"{number(ratio(count, 1024**5))} {unit}"
    return f"{tenths // 10}.{tenths % 10} {unit}"


def fraction(value: Rational, places: int = 2) -> str:
    """A receptive field's size or start (an int, or a Fraction after upsampling)
    rounded to ``places`` decimals, as ``str(round(float(v), places))`` reads for
    ordinary values, but exact and overflow-free for any size."""
    if isinstance(value, int):
        return str(value)
    scale = 10**places
    scaled = ratio(value.numerator * scale, value.denominator)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), scale)
    decimals = f"{frac:0{places}d}".rstrip("0") or "0"
    return f"{sign}{whole}.{decimals}"
