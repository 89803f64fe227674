"""Checking a layer's values and building its :class:`LayerSpec`.

The string and YAML front ends collect the same named values (``filters``,
``stride``...) in different ways; this module is where both are checked, so a
rule such as "stride must be at least 1" is written once.
"""

from __future__ import annotations

from typing import Any

from cnncalc.errors import LayerError
from cnncalc.kinds import Arg, Kind
from cnncalc.layer import VALUES, LayerSpec, Origin
from cnncalc.number import LIMIT, finite, too_large

OPTION_TOKENS: dict[str, str] = {
    "stride": "sK",
    "padding": "pK",
    "dilation": "dK",
    "groups": "gK",
    "depthwise": "dw",
    "bias": "nobias",
    "ceil": "ceil",
    "output_padding": "opK",
    "trainable": "frozen",
    "table": "table=...",
}
"""Each option field and the token that sets it in the string syntax."""

MINIMUM: dict[str, int] = {
    "filters": 1,
    "size": 1,
    "units": 1,
    "vocab": 1,
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "groups": 1,
    "output_padding": 0,
}

ARG_FIELDS: dict[Arg, tuple[str, ...]] = {
    Arg.NONE: (),
    Arg.FILTERS_KERNEL: ("filters", "size"),
    Arg.SIZE: ("size",),
    Arg.UNITS: ("units",),
    Arg.VOCAB_DIM: ("vocab", "units"),
    Arg.RATE: ("value",),
    Arg.OPT_SIZE: ("size",),
}
"""The fields a kind's positional argument sets."""

REQUIRED_ARG = {Arg.FILTERS_KERNEL, Arg.SIZE, Arg.UNITS, Arg.VOCAB_DIM}

FIELD_NAMES = frozenset(VALUES)


def describe_options(kind: Kind) -> str:
    """``pool takes s (stride), p (padding), d (dilation), ceil``."""
    if not kind.options:
        return f"{kind.name} takes no options"
    names = [
        token if token in ("dw", "nobias", "ceil", "frozen", "table=...") else f"{token} ({field})"
        for field, token in OPTION_TOKENS.items()
        if field in kind.options
    ]
    return f"{kind.name} takes {', '.join(names)}"


def _check_range(name: str, value: Any) -> None:
    """At least the field's minimum, and below 10^MAX_DIGITS (the front ends
    refuse longer numbers as they read them; this catches any other way in)."""
    low = MINIMUM.get(name)
    if low is None or value is None or isinstance(value, str):
        return
    values = value if isinstance(value, tuple) else (value,)
    for v in values:
        word = "filters" if name == "filters" else name.replace("_", " ")
        if v < low:
            raise LayerError(f"{word} must be at least {low}, got {v}", field=name)
        if v >= LIMIT:
            raise LayerError(f"{word}: {too_large(str(v))}", field=name)


def build(kind: Kind, values: dict[str, Any], origin: Origin) -> LayerSpec:
    """Check ``values`` against ``kind`` and make the layer.

    Raises :class:`LayerError` naming the offending field, so each front end can
    point at the token or YAML line that set it.
    """
    arg_fields = ARG_FIELDS[kind.arg]
    for name in values:
        if name in arg_fields or name == "name" or name == "per_axis":
            continue
        if name not in kind.options:
            raise LayerError(f"{kind.name} does not take {name}; {describe_options(kind)}", name)
    if kind.arg in REQUIRED_ARG and any(values.get(f) is None for f in arg_fields):
        raise LayerError(f"{kind.name} needs {kind.arg.value}, e.g. {example(kind)}", arg_fields[0])
    for name, value in values.items():
        _check_range(name, value)
    table = values.get("table")
    if table is not None:
        for row in table:
            for entry in row:
                if not -LIMIT < entry < LIMIT:
                    raise LayerError(f"table entry: {too_large(str(abs(entry)))}", "table")
    size = values.get("size")
    if kind.arg is Arg.FILTERS_KERNEL and size is not None and len(size) > 3:
        raise LayerError(f"a kernel has 1 to 3 sizes, got {len(size)}", "size")
    rate = values.get("value")
    if rate is not None and not finite(rate):  # 1e999 reads as inf; YAML has .inf, .nan
        raise LayerError(f"{kind.name} takes a finite number, got {rate}", "value")
    if kind.name == "dropout" and rate is not None and not 0 <= rate <= 1:
        raise LayerError(f"dropout probability must be between 0 and 1, got {rate}", "value")
    exclusive = [f for f in ("groups", "depthwise", "table") if values.get(f) not in (None, False)]
    if len(exclusive) > 1:
        raise LayerError(f"{' and '.join(exclusive)} cannot be combined", exclusive[1])
    return LayerSpec(kind=kind.name, origin=origin, **values)


def example(kind: Kind) -> str:
    return {
        Arg.FILTERS_KERNEL: f"{kind.name} 64x3x3",
        Arg.SIZE: f"{kind.name} 2",
        Arg.UNITS: f"{kind.name} 10",
        Arg.VOCAB_DIM: f"{kind.name} 10000x128",
    }.get(kind.arg, kind.name)
