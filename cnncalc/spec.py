"""The spec language's string form, both ways: parse it, and print it canonically.

Grammar (keywords and options are case-insensitive, whitespace is free)::

    spec   := stage ("|" stage)*
    stage  := KEYWORD [ARG] OPTION*
    ARG    := NxF[xF[xF]] | K[xK[xK]] | N | VxD | P      (which one: the kind's Arg)
    OPTION := sK | pK | psame | pvalid | dK | gK | opK | dw | nobias | ceil | frozen
            | table=a,b,c/d,e,f/...                        (K may be per axis: 2x1)

Every token keeps its position, so an error can draw a caret under it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cnncalc.errors import LayerError, Location, SpecError
from cnncalc.fields import ARG_FIELDS, build
from cnncalc.kinds import KINDS, NAMES, Arg, Kind, lookup
from cnncalc.layer import LayerSpec, Model, Origin


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


_TOKEN = re.compile(r"\||[^\s|]+")

_FLAGS: dict[str, tuple[str, Any]] = {
    "dw": ("depthwise", True),
    "nobias": ("bias", False),
    "ceil": ("ceil", True),
    "frozen": ("trainable", False),
    "psame": ("padding", "same"),
    "pvalid": ("padding", (0,)),
}
_PREFIXED: tuple[tuple[str, str], ...] = (
    ("op", "output_padding"),
    ("s", "stride"),
    ("p", "padding"),
    ("d", "dilation"),
    ("g", "groups"),
)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def tokenize(text: str) -> Iterator[Token]:
    for m in _TOKEN.finditer(text):
        yield Token(m.group(), m.start(), m.end())


def parse(text: str, where: str = "", name: str = "model") -> Model:
    """Parse a whole spec string into a :class:`Model`."""
    return Model(layers=tuple(parse_stages(text, where)), name=name)


def parse_stages(
    text: str, where: str = "", line: str | None = None, offset: int = 0, first: int = 1
) -> list[LayerSpec]:
    """Parse ``stage | stage ...``.

    ``line`` and ``offset`` place ``text`` inside a longer source line (a YAML
    file's), so carets land under the user's own text; ``first`` numbers the
    first stage.
    """
    text = " ".join(text.splitlines())
    if line is None:
        line = text
    stages: list[list[Token]] = [[]]
    bars: list[Token] = []
    for tok in tokenize(text):
        tok = Token(tok.text, tok.start + offset, tok.end + offset)
        if tok.text == "|":
            bars.append(tok)
            stages.append([])
        else:
            stages[-1].append(tok)
    layers = []
    for i, stage in enumerate(stages):
        if not stage:
            at = bars[min(i, len(bars) - 1)] if bars else Token("", offset, offset)
            loc = Location(line, at.start, at.end, where)
            raise SpecError("empty stage: a layer is missing here", loc, f"layer {first + i}")
        layers.append(parse_stage(stage, line, where, first + i))
    return layers


def parse_stage(tokens: list[Token], line: str, where: str, index: int) -> LayerSpec:
    """``KEYWORD [ARG] OPTION*`` → one layer."""
    head = tokens[0]
    label = f"layer {index} '{line[head.start : tokens[-1].end]}'"

    def error(message: str, tok: Token) -> SpecError:
        return SpecError(message, Location(line, tok.start, tok.end, where), label)

    kind = lookup(head.text)
    if kind is None:
        raise error(unknown_kind(head.text), head)
    values: dict[str, Any] = {}
    spans: dict[str, Location] = {}
    rest = tokens[1:]
    current = head
    try:
        if kind.arg is not Arg.NONE and rest and _is_argument(rest[0].text):
            current = rest.pop(0)
            values.update(parse_arg(kind, current.text))
            for f in ARG_FIELDS[kind.arg]:
                spans[f] = Location(line, current.start, current.end, where)
        for current in rest:
            field, value = parse_option(kind, current.text)
            if field in values:
                raise LayerError(f"{field.replace('_', ' ')} is given twice")
            values[field] = value
            spans[field] = Location(line, current.start, current.end, where)
    except LayerError as exc:
        raise error(exc.message, current) from None
    whole = Location(line, head.start, tokens[-1].end, where)
    origin = Origin(whole, spans, label)
    try:
        return build(kind, values, origin)
    except LayerError as exc:
        raise SpecError(exc.message, origin.locate(exc.field) or whole, label) from None


def unknown_kind(word: str) -> str:
    near = difflib.get_close_matches(word.lower(), list(NAMES), n=1)
    if _NUMBER.fullmatch(word) or re.fullmatch(r"\d+(x\d+)+", word, re.I):
        return f"expected a layer keyword, got '{word}' (is a '|' missing or misplaced?)"
    hint = f" — did you mean '{near[0]}'?" if near else ""
    return f"unknown layer '{word}'{hint}"


def _is_argument(text: str) -> bool:
    """Arguments start with a digit or a sign; options with a letter."""
    return text[:1].isdigit() or text[:1] in ".+-"


def parse_number(text: str, what: str) -> int:
    """A whole number; anything else gets a message that says what it is."""
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if not text:
        raise LayerError(f"{what}: a number is missing")
    if _NUMBER.fullmatch(text):
        raise LayerError(f"{what} must be a whole number, got {text}")
    raise LayerError(f"{what}: '{text}' is not a number")


def parse_dims(text: str, what: str) -> tuple[int, ...]:
    return tuple(parse_number(part, what) for part in re.split(r"[xX×]", text))


def parse_arg(kind: Kind, text: str) -> dict[str, Any]:
    """The positional argument, by the kind's :class:`Arg` grammar."""
    if kind.arg is Arg.FILTERS_KERNEL:
        first, _, kernel = text.replace("X", "x").replace("×", "x").partition("x")
        dims = (
            parse_number(first, "filters"),
            *(parse_dims(kernel, "kernel size") if kernel else ()),
        )
        if len(dims) < 2:
            raise LayerError(
                f"'{text}' gives no kernel size: write {kind.name} {first}x3x3 (filters x kernel)"
            )
        return {"filters": dims[0], "size": dims[1:], "per_axis": True}
    if kind.arg is Arg.SIZE:
        dims = parse_dims(text, "size")
        return {"size": dims, "per_axis": len(dims) > 1}
    if kind.arg is Arg.UNITS:
        return {"units": parse_number(text, "units")}
    if kind.arg is Arg.VOCAB_DIM:
        dims = parse_dims(text, "vocabulary x dimension")
        if len(dims) != 2:
            raise LayerError(f"{kind.name} takes VxD (vocabulary x dimension), got '{text}'")
        return {"vocab": dims[0], "units": dims[1]}
    if kind.arg is Arg.OPT_SIZE:
        return {"size": (parse_number(text, "size"),)}
    if not _NUMBER.fullmatch(text):
        raise LayerError(f"{kind.name} takes a number, got '{text}'")
    return {"value": float(text)}


def parse_option(kind: Kind, text: str) -> tuple[str, Any]:
    low = text.lower()
    if low in _FLAGS:
        return _FLAGS[low]
    if low.startswith("table="):
        return "table", parse_table(low[len("table=") :])
    for prefix, field in _PREFIXED:
        rest = low[len(prefix) :]
        if low.startswith(prefix) and rest[:1] and (rest[0].isdigit() or rest[0] in "+-."):
            if field == "groups":
                return field, parse_number(rest, "groups")
            return field, parse_dims(rest, field.replace("_", " "))
    if _NUMBER.fullmatch(text) or re.fullmatch(r"\d+(x\d+)+", low):
        arg = f"one {kind.arg.value} argument" if kind.arg is not Arg.NONE else "no argument"
        raise LayerError(f"unexpected number '{text}': {kind.name} takes {arg}")
    if lookup(low) is not None:
        raise LayerError(f"'{text}' is a layer: is a '|' missing before it?")
    raise LayerError(f"unknown option '{text}' for {kind.name}")


def parse_table(text: str) -> tuple[tuple[int, ...], ...]:
    """``0,1,2/1,2,3`` → ((0, 1, 2), (1, 2, 3)): one row of input maps per filter."""
    return tuple(
        tuple(parse_number(m, "table entry") for m in row.split(",")) for row in text.split("/")
    )


# --- printing ----------------------------------------------------------------


def _dims(values: tuple[int, ...]) -> str:
    if len(set(values)) == 1:
        return str(values[0])
    return "x".join(str(v) for v in values)


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def format_arg(kind: Kind, layer: LayerSpec) -> str:
    if kind.arg is Arg.FILTERS_KERNEL and layer.size is not None:
        return f"{layer.filters}x" + "x".join(str(k) for k in layer.size)
    if kind.arg in (Arg.SIZE, Arg.OPT_SIZE) and layer.size is not None:
        return _dims(layer.size)
    if kind.arg is Arg.UNITS:
        return str(layer.units)
    if kind.arg is Arg.VOCAB_DIM:
        return f"{layer.vocab}x{layer.units}"
    if kind.arg is Arg.RATE and layer.value is not None:
        return _number(layer.value)
    return ""


def format_options(kind: Kind, layer: LayerSpec) -> Iterator[str]:
    window_default = layer.size if kind.arg is Arg.SIZE else None
    if layer.stride and layer.stride != window_default and set(layer.stride) != {1}:
        yield f"s{_dims(layer.stride)}"
    if layer.padding == "same":
        yield "psame"
    elif isinstance(layer.padding, tuple) and set(layer.padding) != {0}:
        yield f"p{_dims(layer.padding)}"
    if layer.dilation and set(layer.dilation) != {1}:
        yield f"d{_dims(layer.dilation)}"
    if layer.depthwise:
        yield "dw"
    elif layer.groups and layer.groups > 1:
        yield f"g{layer.groups}"
    if layer.output_padding and set(layer.output_padding) != {0}:
        yield f"op{_dims(layer.output_padding)}"
    if layer.ceil:
        yield "ceil"
    if not layer.bias:
        yield "nobias"
    if not layer.trainable:
        yield "frozen"
    if layer.table is not None:
        yield "table=" + "/".join(",".join(str(m) for m in row) for row in layer.table)


def format_layer(layer: LayerSpec) -> str:
    """The canonical spec of one layer: keyword, argument, non-default options."""
    kind = KINDS[layer.kind]
    return " ".join(
        p for p in (kind.name, format_arg(kind, layer), *format_options(kind, layer)) if p
    )
