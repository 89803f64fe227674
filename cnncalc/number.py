"""Reading numbers a user wrote: ASCII digits only, and no more of them than a size needs.

Python's ``str.isdigit`` and ``int`` accept far more than ``0``–``9`` (``²``,
``٣``, fullwidth ``３``, ``3_0``), and ``int`` refuses strings of over 4,300
digits with an exception of its own. Every number in a spec string, a YAML
value, a template or an option goes through here instead, so each such input
gets one clear message.
"""

from __future__ import annotations

import math
import re

from cnncalc.errors import LayerError

MAX_DIGITS = 30
"""A whole number may have at most this many digits (leading zeros aside), that
is, be below 10^30: far beyond any real size, and small enough that every
figure computed from one stays cheap to work with and to print."""
LIMIT = 10**MAX_DIGITS

WHOLE = re.compile(r"[+-]?[0-9]+")
"""A whole number, as written: ``[0-9]`` is ASCII only (``\\d`` is not)."""
DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
"""A decimal number such as a dropout rate: ``0.5``, ``.5``, ``1e-3``."""
DIMS = re.compile(r"[0-9]+([xX×][0-9]+)+")
"""``3x224x224``: sizes joined by ``x``."""
_EMPTY = re.compile(r"(?:^|[,xX×])\s*(?=[,xX×]|$)")
"""A separator with no size before or after it: ``3,,224``, ``,3``, ``3xx224``."""

_SHOWN = 12
"""How many characters of a long number or word a message quotes."""


def short(text: str, limit: int = 24) -> str:
    """``text`` for a message: whole when short, else its start and its length."""
    if len(text) <= limit:
        return text
    return f"{text[:_SHOWN]}…({len(text):,} characters)"


def too_large(digits: str) -> str:
    """The message for a number of too many digits (``digits`` without sign or
    leading zeros), quoting only its start."""
    return (
        f"number too large: {digits[:_SHOWN]}…({len(digits):,} digits); "
        f"numbers are at most {MAX_DIGITS} digits"
    )


def whole(text: str, what: str) -> int:
    """A whole number written in ASCII digits (optionally signed), of at most
    :data:`MAX_DIGITS` digits; anything else a :class:`LayerError` saying what it is."""
    if WHOLE.fullmatch(text):
        sign = "-" if text[0] == "-" else ""
        digits = text.lstrip("+-").lstrip("0") or "0"
        if len(digits) > MAX_DIGITS:
            raise LayerError(f"{what}: {too_large(digits)}")
        return int(sign + digits)
    if not text:
        raise LayerError(f"{what}: a number is missing")
    if DECIMAL.fullmatch(text):
        raise LayerError(f"{what} must be a whole number, got {short(text)}")
    raise LayerError(f"{what}: '{short(text)}' is not a number{_only_ascii(text)}")


def decimal(text: str, what: str) -> float:
    """A decimal number (``0.5``, ``1e-3``) in ASCII digits; finite is checked by
    :func:`finite`, where both front ends meet."""
    if not DECIMAL.fullmatch(text):
        raise LayerError(f"{what} takes a number, got '{short(text)}'{_only_ascii(text)}")
    return float(text)


def _only_ascii(text: str) -> str:
    """A hint when the text holds digits that only look like 0-9 (², ٣, ３)."""
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in text[:1000]):
        return " (only the digits 0-9 count)"
    return ""


def bounded(value: int, what: str) -> int:
    """A whole number that came already made (YAML, a template's arithmetic),
    checked against the same bound as a written one."""
    if -LIMIT < value < LIMIT:
        return value
    raise LayerError(f"{what}: {too_large(_leading(abs(value)))}")


def _leading(value: int) -> str:
    """Enough of ``value``'s decimal digits for :func:`too_large`: its first
    digits and how many there are, without ``str`` of a huge int (which Python
    refuses beyond 4,300 digits and takes quadratic time for)."""
    count = len(str(value)) if value.bit_length() < 10_000 else _digit_count(value)
    head = str(value // 10 ** max(count - _SHOWN, 0))
    return head + "0" * (count - len(head))  # only the length of the tail is used


def _digit_count(value: int) -> int:
    """How many decimal digits ``value`` (> 0) has, with integer arithmetic."""
    count = int(value.bit_length() * math.log10(2))  # exact or one too few
    return count + 1 if value >= 10**count else count


def finite(value: float) -> bool:
    """Whether a rate or slope is a number at all: ``1e999`` reads as infinity,
    YAML has ``.inf`` and ``.nan``."""
    return math.isfinite(value)


def dims(text: str, what: str) -> tuple[int, ...]:
    """``3x3`` → (3, 3); ``X`` and ``×`` also separate: kernels, strides, input
    shapes all read here. At most :data:`~cnncalc.layer.MAX_DIMS` sizes,
    counted before the text is split (it may be a 16 MiB word)."""
    from cnncalc.layer import MAX_DIMS

    text = text.lower().replace("×", "x")
    if text.count("x") >= MAX_DIMS:  # 16 MiB of 1x1x1... is never split
        raise LayerError(f"{what}: more than {MAX_DIMS} sizes in '{short(text)}'")
    return tuple(whole(p, what) for p in text.split("x"))


def missing(text: str) -> int | None:
    """Where a size is missing in a shape written with ``x``, ``×``, commas or
    spaces (``3,,224``, ``,3,224``, ``3xx224``, ``3x224x``): the position of the
    separator that follows the gap (``len(text)`` at the end), else None. One
    trailing comma is no gap, as in Python's ``(50,)``."""
    body = text.rstrip()
    body = body[:-1] if body.endswith(",") else body
    found = _EMPTY.search(body)
    return None if found is None else found.end()


def table_message() -> str:
    from cnncalc.layer import MAX_TABLE

    return f"the connection tables of a spec have at most {MAX_TABLE:,} entries in all"


def table(text: str) -> tuple[tuple[int, ...], ...]:
    """``0,1,2/1,2,3`` → ((0, 1, 2), (1, 2, 3)): one row of input maps per filter.
    At most :data:`~cnncalc.layer.MAX_TABLE` entries, counted before the text is split."""
    from cnncalc.layer import MAX_TABLE

    if text.count(",") + text.count("/") >= MAX_TABLE:
        raise LayerError(table_message())
    return tuple(tuple(whole(m, "table entry") for m in row.split(",")) for row in text.split("/"))
