"""The words of a layer: its positional argument and its options, stated once.

The string parser (:mod:`cnncalc.readers.spec`), the YAML reader
(:mod:`cnncalc.readers.yamlspec`), the canonical printer (:mod:`cnncalc.canonical`)
and the checks (:func:`build`) all read these two tables:

* :data:`FORMS`: for each :class:`Arg`, the LayerSpec fields the positional
  argument sets, how it is read and printed, its YAML keys and an example;
* :data:`OPTIONS`: every option, with its token (``s2``, ``nobias``…), the
  field it sets, how its value is read and printed, and its least value.

A kind names its argument form and the option fields it takes
(:class:`~cnncalc.kinds.base.Kind`); a new option or argument form is one
entry here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

from cnncalc.errors import LayerError
from cnncalc.layer import LayerSpec, Origin
from cnncalc.number import LIMIT, decimal, dims, finite, table, too_large, whole
from cnncalc.record import Record

if TYPE_CHECKING:
    from cnncalc.kinds.base import Kind


class Arg(Enum):
    """The positional argument a kind takes; the value is how help writes it."""

    NONE = ""
    FILTERS_KERNEL = "NxF[xF[xF]]"
    WINDOW = "K[xK[xK]]"
    OUTPUT_SIZE = "S[xS[xS]]"
    UNITS = "N"
    VOCAB_DIM = "VxD"
    RATE = "[P]"
    SLOPE = "[slope]"
    NEIGHBOURS = "[N]"
    GROUPS = "G"
    FACTOR = "[S[xS[xS]]]"
    SHAPE = "CxHxW"
    PADS = "P[xP…] or A:B[xA:B…]"
    REF = "NAME[,NAME…]"
    HEADS = "H"
    ORDER = "A,B,C"
    INDEX = "[I]"
    GRID = "[HxW]"
    TABLE = "[T]"


# --- reading and printing numbers ----------------------------------------------


def joined(values: tuple[int, ...]) -> str:
    """``3`` for (3, 3): one value stands for every axis; else ``2x1``."""
    if len(set(values)) == 1:
        return str(values[0])
    return "x".join(str(v) for v in values)


def decimal_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


# --- the positional argument ------------------------------------------------------


class Form(Record):
    """One form of positional argument: ``fields`` it sets (the first is where an
    error points), whether it is ``required``, an ``example``, how to ``read`` and
    ``write`` it, and the YAML keys that set each field (``yaml``)."""

    fields: tuple[str, ...]
    required: bool
    example: str
    read: Callable[[Kind, str], dict[str, Any]]
    write: Callable[[LayerSpec], str]
    yaml: Mapping[str, str]


def _read_filters_kernel(kind: Kind, text: str) -> dict[str, Any]:
    first, _, kernel = text.replace("X", "x").replace("×", "x").partition("x")
    filters = whole(first, "filters")
    if not kernel:
        raise LayerError(
            f"'{text}' gives no kernel size: write {kind.name} {first}x3x3 (filters x kernel)"
        )
    return {"filters": filters, "kernel": dims(kernel, "kernel size"), "per_axis": True}


def _read_window(_: Kind, text: str) -> dict[str, Any]:
    sizes = dims(text, "size")
    return {"kernel": sizes, "per_axis": len(sizes) > 1}


def _read_output_size(_: Kind, text: str) -> dict[str, Any]:
    sizes = dims(text, "size")
    return {"output_size": sizes, "per_axis": len(sizes) > 1}


def _read_vocab_dim(kind: Kind, text: str) -> dict[str, Any]:
    sizes = dims(text, "vocabulary x dimension")
    if len(sizes) != 2:
        raise LayerError(f"{kind.name} takes VxD (vocabulary x dimension), got '{text}'")
    return {"vocab": sizes[0], "dim": sizes[1]}


def _read_pads(kind: Kind, text: str) -> dict[str, Any]:
    return read_pads(text)


def read_pads(text: str) -> dict[str, Any]:
    """``1`` (every side), ``1x2`` (both sides of each axis), ``0:1x0:1`` (before and
    after each axis, Keras's ``ZeroPadding2D(((0, 1), (0, 1)))``): (before, after)
    pairs, flat."""
    from cnncalc.layer import MAX_DIMS

    parts = text.lower().replace("×", "x").split("x", MAX_DIMS)
    if len(parts) > MAX_DIMS:
        raise LayerError(f"padding: more than {MAX_DIMS} sizes")
    pads: list[int] = []
    for part in parts:
        before, colon, after = part.partition(":")
        pads += [whole(before, "padding"), whole(after if colon else before, "padding")]
    return {"pads": tuple(pads), "per_axis": len(parts) > 1}


def _write_pads(layer: LayerSpec) -> str:
    pads = layer.pads or ()
    pairs = [pads[i : i + 2] for i in range(0, len(pads), 2)]
    if len(set(pads)) == 1 and not layer.per_axis:
        return str(pads[0])
    return "x".join(f"{a}" if a == b else f"{a}:{b}" for a, b in pairs)


NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
"""A name a later layer can read: ``as p5``, ``add p5``. A letter or ``_`` first,
then letters, digits, ``_``, ``.`` and ``-`` (YAML group names like
``layer2.0`` qualify); 64 characters at most."""


def read_name(text: str) -> str:
    if text.lower() == "as":  # ``add as`` would read as a stage cut short
        raise LayerError("'as' is the word that gives a name, not a name", "name")
    if not NAME.fullmatch(text):
        raise LayerError(
            f"'{text[:64]}' is not a name: a letter or '_' first, then letters, digits, "
            "'_', '.' or '-' (64 at most)",
            "name",
        )
    return text


def _read_refs(kind: Kind, text: str) -> dict[str, Any]:
    return read_refs(text)


def read_refs(text: str) -> dict[str, Any]:
    """``p5`` or ``b1,b2,b3``: the names of the earlier outputs a join reads."""
    names = text.split(",", MAX_REFS)
    if len(names) > MAX_REFS:
        raise LayerError(f"a join reads at most {MAX_REFS} names", "ref")
    try:
        return {"ref": tuple(read_name(name) for name in names)}
    except LayerError as exc:
        raise LayerError(exc.message, "ref") from None


MAX_REFS = 64
"""The most outputs one join reads."""


def _read_shape(kind: Kind, text: str) -> dict[str, Any]:
    return {"output_size": dims(text, "shape")}


def _read_order(kind: Kind, text: str) -> dict[str, Any]:
    """``1,2,0`` (or ``1x2x0``): torch's permute, batch left out or first (``0,2,3,1``)."""
    return {"order": dims(text.replace(",", "x"), "axis")}


def _decimal_form(field: str) -> Form:
    return Form(
        (field,),
        False,
        "",
        lambda kind, text: {field: decimal(text, kind.name)},
        lambda layer: "" if getattr(layer, field) is None else decimal_text(getattr(layer, field)),
        {"p": field, "rate": field, "slope": field},  # any of the three, as always
    )


FORMS: dict[Arg, Form] = {
    Arg.NONE: Form((), False, "", lambda kind, text: {}, lambda layer: "", {}),
    Arg.FILTERS_KERNEL: Form(
        ("filters", "kernel"),
        True,
        "64x3x3",
        _read_filters_kernel,
        lambda layer: f"{layer.filters}x" + "x".join(str(k) for k in layer.kernel or ()),
        {"filters": "filters", "kernel": "kernel", "size": "kernel"},
    ),
    Arg.WINDOW: Form(
        ("kernel",),
        True,
        "2",
        _read_window,
        lambda layer: joined(layer.kernel) if layer.kernel else "",
        {"size": "kernel", "kernel": "kernel"},
    ),
    Arg.OUTPUT_SIZE: Form(
        ("output_size",),
        True,
        "7",
        _read_output_size,
        lambda layer: joined(layer.output_size) if layer.output_size else "",
        {"size": "output_size", "output_size": "output_size"},
    ),
    Arg.UNITS: Form(
        ("units",),
        True,
        "10",
        lambda kind, text: {"units": whole(text, "units")},
        lambda layer: str(layer.units),
        {"units": "units", "dim": "units"},
    ),
    Arg.VOCAB_DIM: Form(
        ("vocab", "dim"),
        True,
        "10000x128",
        _read_vocab_dim,
        lambda layer: f"{layer.vocab}x{layer.dim}",
        {"vocab": "vocab", "dim": "dim", "units": "dim"},
    ),
    Arg.RATE: _decimal_form("rate"),
    Arg.SLOPE: _decimal_form("slope"),
    Arg.NEIGHBOURS: Form(
        ("size",),
        False,
        "5",
        lambda kind, text: {"size": whole(text, "size")},
        lambda layer: "" if layer.size is None else str(layer.size),
        {"size": "size"},
    ),
    Arg.GROUPS: Form(
        ("groups",),
        True,
        "32",
        lambda kind, text: {"groups": whole(text, "groups")},
        lambda layer: str(layer.groups),
        {"groups": "groups", "size": "groups"},
    ),
    Arg.FACTOR: Form(
        ("scale",),
        False,
        "2",
        lambda kind, text: {"scale": dims(text, "factor")},
        lambda layer: joined(layer.scale) if layer.scale else "",
        {"factor": "scale", "scale": "scale", "size": "output_size"},
    ),
    Arg.PADS: Form(
        ("pads",),
        True,
        "0:1x0:1",
        _read_pads,
        _write_pads,
        {"padding": "pads", "pads": "pads"},
    ),
    Arg.SHAPE: Form(
        ("output_size",),
        True,
        "64x4x4",
        _read_shape,
        lambda layer: "x".join(str(v) for v in layer.output_size or ()),
        {"shape": "output_size", "size": "output_size", "output_size": "output_size"},
    ),
    Arg.HEADS: Form(
        ("heads",),
        True,
        "12",
        lambda kind, text: {"heads": whole(text, "heads")},
        lambda layer: str(layer.heads),
        {"heads": "heads"},
    ),
    Arg.ORDER: Form(
        ("order",),
        True,
        "1,2,0",
        _read_order,
        lambda layer: ",".join(str(v) for v in layer.order or ()),
        {"order": "order", "dims": "order"},
    ),
    Arg.INDEX: Form(
        ("index",),
        False,
        "0",
        lambda kind, text: {"index": whole(text, "index")},
        lambda layer: "" if layer.index is None else str(layer.index),
        {"index": "index"},
    ),
    Arg.GRID: Form(
        ("output_size",),
        False,
        "14x14",
        _read_shape,
        lambda layer: "x".join(str(v) for v in layer.output_size or ()),
        {"size": "output_size", "shape": "output_size", "output_size": "output_size"},
    ),
    Arg.TABLE: Form(
        ("size",),
        False,
        "512",
        lambda kind, text: {"size": whole(text, "table size")},
        lambda layer: "" if layer.size is None else str(layer.size),
        {"size": "size", "positions": "size", "segments": "size"},
    ),
    Arg.REF: Form(
        ("ref",),
        True,
        "p5",
        _read_refs,
        lambda layer: ",".join(layer.ref or ()),
        {"ref": "ref", "refs": "ref", "from": "ref"},
    ),
}


PER_AXIS = (Arg.FILTERS_KERNEL, Arg.WINDOW, Arg.OUTPUT_SIZE)
"""The forms whose sizes, one per axis, fix the spatial rank of the input."""


def read_arg(kind: Kind, text: str) -> dict[str, Any]:
    """The positional argument's fields, by the kind's form."""
    return FORMS[kind.arg].read(kind, text)


def write_arg(kind: Kind, layer: LayerSpec) -> str:
    return FORMS[kind.arg].write(layer)


def example(kind: Kind) -> str:
    """``conv 64x3x3``: the kind with an argument of its form."""
    return f"{kind.name} {FORMS[kind.arg].example}".strip()


# --- options ----------------------------------------------------------------------


class Value(Enum):
    """How an option's value is written."""

    AXES = "a size per axis: s2, s2x1"
    NUMBER = "a whole number: g2"
    FLAG = "a word alone: nobias"
    WORD = "one of its words: bilinear"
    TABLE = "table=0,1/1,2"


class Option(Record):
    """An option: the ``field`` it sets, its ``token`` (a prefix for a value, the
    word itself for a flag), how its ``value`` is written, a ``title`` for help,
    its ``neutral`` value (printing leaves it out), its least value, and
    ``words`` that set it without a number (``psame``)."""

    field: str
    token: str
    value: Value
    title: str
    neutral: Any = None
    minimum: int | None = None
    words: Mapping[str, Any] = {}

    @property
    def shown(self) -> str:
        """``sK (stride)``, or a flag's words."""
        if self.value in (Value.FLAG, Value.WORD):
            return "/".join(self.words) or self.token
        if self.value is Value.TABLE:
            return "table=..."
        return f"{self.token}K ({self.field})"


AFFINE = {"noaffine": False, "affine": True}
"""A norm without γ and β (``noaffine``), or with them where the kind's default
has none (``affine``: instance norm)."""
MODES = {word: word for word in ("nearest", "bilinear", "bicubic", "trilinear")}
"""Upsampling's interpolation modes, torch's words: ``bilinear`` and ``bicubic`` are
2-D only, ``trilinear`` 3-D only, as there (torch's 1-D ``linear`` is left out:
the word is already ``fc``'s alias)."""

OPTIONS: tuple[Option, ...] = (
    Option("stride", "s", Value.AXES, "stride", 1, 1),
    Option(
        "padding",
        "p",
        Value.AXES,
        "padding",
        0,
        0,
        {"psame": "same", "pvalid": (0,), "pcausal": "causal"},
    ),
    Option("dilation", "d", Value.AXES, "dilation", 1, 1),
    Option("groups", "g", Value.NUMBER, "groups", 1, 1),
    Option("depthwise", "dw", Value.FLAG, "depthwise", False, words={"dw": True}),
    Option("output_padding", "op", Value.AXES, "output padding", 0, 0),
    Option("ceil", "ceil", Value.FLAG, "ceil mode", False, words={"ceil": True}),
    Option("bias", "nobias", Value.FLAG, "no bias", True, words={"nobias": False}),
    Option("trainable", "frozen", Value.FLAG, "frozen", True, words={"frozen": False}),
    Option("table", "table=", Value.TABLE, "connection table"),
    Option("affine", "noaffine", Value.FLAG, "no γ, β", None, words=AFFINE),
    Option("mode", "nearest", Value.WORD, "interpolation", None, words=MODES),
    Option("output_size", "size=", Value.AXES, "size", None, 1),
    Option("window", "w", Value.AXES, "window", None, 1),
    Option("shift", "shift", Value.AXES, "shift", 0, 0),
    Option("cosine", "cosine", Value.FLAG, "cosine attention", False, words={"cosine": True}),
)
"""Every option, in the order the canonical spec prints them."""

BY_FIELD = {option.field: option for option in OPTIONS}
WORDS: dict[str, tuple[str, Any]] = {
    word: (option.field, value) for option in OPTIONS for word, value in option.words.items()
}
"""Words that set an option alone: ``nobias`` → (``bias``, False), ``psame``…"""
PREFIXED = sorted(
    (o for o in OPTIONS if o.value in (Value.AXES, Value.NUMBER)), key=lambda o: -len(o.token)
)
"""Options written as a prefix and a number, longest prefix first (``op`` before ``p``)."""

MINIMUM: dict[str, int] = {
    "filters": 1,
    "kernel": 1,
    "output_size": 1,
    "units": 1,
    "dim": 1,
    "vocab": 1,
    "size": 1,
    "pads": 0,
    "scale": 1,
    "heads": 1,
    "order": 0,
    "index": 0,
    **{o.field: o.minimum for o in OPTIONS if o.minimum is not None},
}
"""The least value of every numeric field."""


def read_option(text: str) -> tuple[str, Any] | None:
    """``s2`` → (``stride``, (2,)); ``nobias`` → (``bias``, False); None when
    ``text`` is no option at all (the caller says what it is instead)."""
    low = text.lower()
    if low in WORDS:
        return WORDS[low]
    if low.startswith("table="):
        return "table", table(low[len("table=") :])
    for option in PREFIXED:
        rest = low[len(option.token) :]
        if low.startswith(option.token) and rest[:1] and (rest[0].isdigit() or rest[0] in "+-."):
            if option.value is Value.NUMBER:
                return option.field, whole(rest, option.title)
            return option.field, dims(rest, option.title)
    return None


def write_options(kind: Kind, layer: LayerSpec) -> Iterator[str]:
    """The options that differ from their neutral value, canonically written."""
    owned = FORMS[kind.arg].fields
    for option in OPTIONS:
        value = getattr(layer, option.field)
        if value is None or value == option.neutral or option.field in owned:
            continue
        if option.field == "stride" and kind.arg is Arg.WINDOW:  # pools: the window
            if value == layer.kernel:
                continue
        elif (
            option.value is Value.AXES
            and isinstance(value, tuple)
            and set(value) == {option.neutral}
        ):
            continue
        if option.field == "groups" and layer.depthwise:
            continue
        if option.value in (Value.FLAG, Value.WORD) or isinstance(value, str):
            yield next((w for w, v in option.words.items() if v == value), option.token)
        elif option.value is Value.TABLE:
            yield "table=" + "/".join(",".join(str(m) for m in row) for row in value)
        elif isinstance(value, tuple):
            yield f"{option.token}{joined(value)}"
        else:
            yield f"{option.token}{value}"


def describe_options(kind: Kind) -> str:
    """``pool takes sK (stride), pK (padding), dK (dilation), ceil``."""
    if not kind.options:
        return f"{kind.name} takes no options"
    shown = [o.shown for o in OPTIONS if o.field in kind.options]
    return f"{kind.name} takes {', '.join(shown)}"


# --- YAML ---------------------------------------------------------------------------


def yaml_keys(kind: Kind) -> dict[str, str]:
    """The mapping form's keys for ``kind``: each to the field it sets."""
    keys = dict(FORMS[kind.arg].yaml)
    keys.update((field, field) for field in kind.options)
    keys["name"] = "name"
    return keys


YAML_FIELDS: dict[str, str] = {
    key: key for key in (*(k for form in FORMS.values() for k in form.yaml), *BY_FIELD, "name")
}
"""Every key the mapping form knows, whatever the kind, to a field it sets: a key
of another kind's reaches the checks, which say what this kind takes instead."""


def from_yaml(
    field: str, value: Any, key: str, integer: Callable[[Any, str], int]
) -> dict[str, Any]:
    """A YAML value to the LayerSpec field it sets (``key``: the user's word for
    it; ``integer``: the reader's check of a whole number)."""
    what = key.replace("_", " ")
    option = BY_FIELD.get(field)
    if field in ("kernel", "output_size", "scale"):
        if isinstance(value, list):
            return {field: tuple(integer(v, what) for v in value), "per_axis": True}
        return {field: (integer(value, what),)}
    if option is not None and option.value is Value.AXES:
        if value in ("same", "valid", "causal") and "psame" in option.words:
            return {field: option.words["p" + value]}
        items = value if isinstance(value, list) else [value]
        return {field: tuple(integer(v, what) for v in items)}
    if option is not None and option.value is Value.WORD:
        if not isinstance(value, str) or value.lower() not in option.words:
            raise LayerError(f"{key} is one of {', '.join(option.words)}, got {value!r}"[:200])
        return {field: option.words[value.lower()]}
    if option is not None and option.value is Value.FLAG:
        if not isinstance(value, bool):
            raise LayerError(f"{field} must be true or false, got {value!r}"[:200])
        return {field: value}
    if option is not None and option.value is Value.TABLE:
        if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
            raise LayerError("table is a list of rows, one per filter: [[0, 1, 2], [1, 2, 3], ...]")
        return {field: tuple(tuple(integer(m, "table entry") for m in row) for row in value)}
    if field == "pads" and isinstance(value, (list, str)):  # [0, 1] or '0:1', as in a spec
        if isinstance(value, str):
            return {"pads": read_pads(value)["pads"]}
        return {"pads": tuple(integer(v, what) for v in value)}
    if field == "order":  # permute: [1, 2, 0], or 1,2,0 as in a spec string
        if isinstance(value, str):
            return {"order": dims(value.replace(",", "x"), "axis")}
        items = value if isinstance(value, list) else [value]
        return {"order": tuple(integer(v, "axis") for v in items)}
    if field == "name":
        return {"name": str(value)}
    if field == "ref":
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            raise LayerError(f"{key} names earlier outputs, e.g. p5 or [b1, b2]")
        text = ",".join(items)
        return read_refs(text)
    if field in ("rate", "slope"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LayerError(f"expected a number, got {value!r}"[:200])
        if isinstance(value, int):  # float() of a 400-digit int overflows
            integer(value, what)
        return {field: float(value)}  # finite: checked by build
    return {field: integer(value, what)}


# --- the checks ----------------------------------------------------------------------


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
    """Check ``values`` against ``kind``'s grammar and make the layer.

    Raises :class:`LayerError` naming the offending field, so each front end can
    point at the token or YAML line that set it.
    """
    form = FORMS[kind.arg]
    if kind.arg not in PER_AXIS:  # a reshape's or an upsampling's sizes fix no rank
        values.pop("per_axis", None)
    for name in values:
        if name in form.fields or name == "name" or name == "per_axis":
            continue
        if name not in kind.options:
            raise LayerError(f"{kind.name} does not take {name}; {describe_options(kind)}", name)
    if form.required and any(values.get(f) is None for f in form.fields):
        raise LayerError(
            f"{kind.name} needs {kind.arg.value}, e.g. {example(kind)}", form.fields[0]
        )
    for name, value in values.items():
        _check_range(name, value)
    table = values.get("table")
    if table is not None:
        for row in table:
            for entry in row:
                if not -LIMIT < entry < LIMIT:
                    raise LayerError(f"table entry: {too_large(str(abs(entry)))}", "table")
    kernel = values.get("kernel")
    if kind.arg is Arg.FILTERS_KERNEL and kernel is not None and len(kernel) > 3:
        raise LayerError(f"a kernel has 1 to 3 sizes, got {len(kernel)}", "kernel")
    for field in ("rate", "slope"):
        number = values.get(field)
        if number is not None and not finite(number):  # 1e999 reads as inf; YAML has .inf
            raise LayerError(f"{kind.name} takes a finite number, got {number}", field)
    rate = values.get("rate")
    if kind.name in ("dropout", "droppath") and rate is not None and not 0 <= rate <= 1:
        raise LayerError(f"{kind.name} probability must be between 0 and 1, got {rate}", "rate")
    exclusive = [f for f in ("groups", "depthwise", "table") if values.get(f) not in (None, False)]
    if len(exclusive) > 1:
        raise LayerError(f"{' and '.join(exclusive)} cannot be combined", exclusive[1])
    return LayerSpec(kind=kind.name, origin=origin, **values)
