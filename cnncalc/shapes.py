"""Input shapes as the user gives them: ``--input``'s text, or a Python tuple or list.

The CLI reads ``--input`` here on every call, and :func:`cnncalc.summary` its
``input=``: the same sizes are accepted and refused the same way, with
messages that begin with the option's name.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import SupportsIndex, TypeAlias

from cnncalc.errors import LayerError, Location, SpecError
from cnncalc.layer import MAX_DIMS, Last, Shape

ShapeLike: TypeAlias = "str | Sequence[int]"
"""An input shape, batch excluded: ``(3, 224, 224)``, ``[3, 224, 224]``, ``"3x224x224"``."""

MISSING = "a size is missing (expected e.g. 3x224x224)"


def parse_input(value: str | None, label: str = "--input") -> Shape | None:
    """``200x200``, ``3x224x224`` or ``50``: whole numbers of at least 1, in
    ASCII digits, each of at most 30 digits (:mod:`cnncalc.number`). Commas or
    spaces may stand for the ``x`` and the shape may be in brackets, as a tuple
    prints: ``3,224,224``, ``"3 224 224"``, ``(3, 224, 224)``. Messages begin
    with ``label`` and the text."""
    if value is None:
        return None
    from cnncalc.number import dims, missing, short

    shown = short(value, 60)
    text = value.strip()
    lead = len(value) - len(value.lstrip())  # where text begins in value
    if text[:1] in "([" and text[-1:] in ")]":  # (3, 224, 224), as torch prints a shape
        text, lead = text[1:-1], lead + 1
    gap = missing(text) if text.strip() else None
    if gap is not None:  # 3,,224 / ,3,224 / 3xx224: the caret where the size is missing
        raise SpecError(f"{label} {shown}: {MISSING}", Location(value, lead + gap, lead + gap + 1))
    text = text.replace(",", " ").strip()
    if "x" not in text.lower() and "×" not in text:  # 3,224,224 or "3 224 224"
        text = "x".join(text.split())
    try:
        sizes = dims(text.replace(" ", ""), "size")  # the one reader of AxBxC
    except LayerError as exc:
        message = exc.message.removeprefix("size: ")
        if message == "a number is missing":
            message = MISSING
        raise SpecError(f"{label} {shown}: {message}") from None
    if min(sizes) < 1:
        raise SpecError(f"{label} {shown}: sizes must be at least 1, got {min(sizes)}")
    return sizes


def read_shape(value: ShapeLike | None) -> Shape | None:
    """An input shape from Python: a string as ``--input`` reads it, or a tuple
    or list (a ``torch.Size``) of whole numbers of at least 1. A float, a bool,
    a size below 1 or above 10^30 is a :class:`SpecError` naming it."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_input(value, "input")
    if not isinstance(value, Sequence):
        raise SpecError(
            f"input: expected a shape such as (3, 224, 224), [3, 224, 224] or '3x224x224', "
            f"got {type(value).__name__}"
        )
    shown = quoted(value)
    if not value:
        raise SpecError(f"input {shown}: {MISSING}")
    if len(value) > MAX_DIMS:
        raise SpecError(f"input {shown}: more than {MAX_DIMS} sizes")
    sizes = tuple(_size(size, shown) for size in value)
    return Last(sizes) if isinstance(value, Last) else sizes


def _size(size: object, shown: str) -> int:
    from cnncalc.number import bounded

    try:
        if isinstance(size, (bool, float)) or not isinstance(size, SupportsIndex):
            raise TypeError
        number = operator.index(size)  # an int, numpy's and torch's integers
    except TypeError:
        kind = "a float" if isinstance(size, float) else type(size).__name__
        raise SpecError(
            f"input {shown}: sizes must be whole numbers, got {quoted(size)} ({kind})"
        ) from None
    if number < 1:
        raise SpecError(f"input {shown}: sizes must be at least 1, got {number}")
    try:
        return bounded(number, "size")
    except LayerError as exc:
        raise SpecError(f"input {shown}: {exc.message.removeprefix('size: ')}") from None


def quoted(value: object) -> str:
    """A value for a message: its repr, cut when long."""
    from cnncalc.escape import printable
    from cnncalc.number import short

    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) > MAX_DIMS:
        return f"<{type(value).__name__} of {len(value):,}>"  # never the repr of a long one
    try:
        text = repr(value)
    except Exception:  # a repr that fails is no reason to hide the error it is for
        text = f"<{type(value).__name__}>"
    return printable(short(text, 60))
