"""The spec language's string form, parsed (:mod:`cnncalc.canonical` prints it).

Grammar (keywords and options are case-insensitive, whitespace is free)::

    spec   := seq
    seq    := item ("|" item)*
    item   := stage | "[" seq "]" "*" N | "res[" seq [";" seq] "]" | "cat[" seq? (";" seq?)* "]"
    stage  := KEYWORD [ARG] OPTION*
    ARG    := NxF[xF[xF]] | K[xK[xK]] | N | VxD | P      (which one: the kind's Arg)
    OPTION := sK | pK | psame | pvalid | dK | gK | opK | dw | nobias | ceil | frozen
            | table=a,b,c/d,e,f/...                        (K may be per axis: 2x1)

Every token keeps its position, so an error can draw a caret under it.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from cnncalc.errors import LayerError, Location, SpecError
from cnncalc.fields import ARG_FIELDS, build
from cnncalc.kinds import NAMES, Arg, Kind, lookup
from cnncalc.layer import (
    MAX_DEPTH,
    Block,
    BlockKind,
    LayerSpec,
    Model,
    Node,
    Origin,
    given,
)


class Token(NamedTuple):
    """A word or punctuation mark and its span in the source line (a tuple: cheap
    to make by the hundred thousand)."""

    text: str
    start: int
    end: int


PUNCT = ("|", "[", "]", ";", "*")
BLOCK_WORDS = ("res", "cat")

_HAS_PUNCT = re.compile(r"[|\[\];*]")
_TOKEN = re.compile(r"[|\[\];*]|[^\s|\[\];*]+")

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
_INTEGER = re.compile(r"[+-]?\d+")


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Words and ``| [ ] ; *``, each with its span shifted by ``offset``."""
    return [Token(m.group(), m.start() + offset, m.end() + offset) for m in _TOKEN.finditer(text)]


def parse(text: str, where: str = "", name: str = "model", max_depth: int = MAX_DEPTH) -> Model:
    """Parse a whole spec string into a :class:`Model`."""
    return Model(layers=parse_stages(text, where, max_depth=max_depth), name=name)


def parse_stages(
    text: str,
    where: str = "",
    line: str | None = None,
    offset: int = 0,
    first: int = 1,
    cache: StageCache | None = None,
    max_depth: int = MAX_DEPTH,
) -> tuple[Node, ...]:
    """Parse ``item | item ...``, blocks included.

    ``line`` and ``offset`` place ``text`` inside a longer source line (a YAML
    file's), so carets land under the user's own text; ``first`` numbers the
    first stage; ``cache`` may be shared by many calls (one per YAML item).
    """
    if "\n" in text or "\r" in text:
        text = " ".join(text.splitlines())
    if line is None:
        line = text
    if not _HAS_PUNCT.search(text):  # one plain stage: the common YAML item
        return (_single_stage(text, line, where, offset, first, cache),)
    tokens = tokenize(text, offset)
    parser = _Parser(tokens, line, where, first, max_depth)
    if cache is not None:
        parser.cache = cache
    return parser.spec()


def depth_message(limit: int) -> str:
    return f"blocks nest deeper than {limit} (raise the limit with --max-depth)"


class _Parser:
    """Recursive descent over the tokens; each method's docstring is its rule."""

    def __init__(
        self, tokens: list[Token], line: str, where: str, first: int, max_depth: int = MAX_DEPTH
    ) -> None:
        self.max_depth = max_depth
        self.tokens = tokens
        self.line = line
        self.where = where
        self.pos = 0
        self.stage = first
        self.depth = 0
        self.cache: StageCache = {}

    def peek(self, ahead: int = 0) -> Token | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def error(self, message: str, tok: Token | None, label: str | None = None) -> SpecError:
        if tok is None:  # at the end of the text: point just past it
            end = self.tokens[-1].end if self.tokens else 0
            tok = Token("", end, end + 1)
        return SpecError(message, Location(self.line, tok.start, tok.end, self.where), label)

    def expect(self, text: str, message: str) -> Token:
        tok = self.peek()
        if tok is None or tok.text != text:
            raise self.error(message, tok)
        self.pos += 1
        return tok

    def spec(self) -> tuple[Node, ...]:
        """spec := seq END"""
        nodes = self.seq()
        tok = self.peek()
        if tok is not None:
            raise self.error(f"unexpected '{tok.text}' with no block open", tok)
        return nodes

    def seq(self, empty_ok: bool = False) -> tuple[Node, ...]:
        """seq := item ("|" item)*    (empty only for a cat branch)"""
        tok = self.peek()
        if empty_ok and (tok is None or tok.text in (";", "]")):
            return ()
        items = [self.item()]
        while (tok := self.peek()) is not None and tok.text == "|":
            self.pos += 1
            items.append(self.item())
        return tuple(items)

    def item(self) -> Node:
        """item := "[" seq "]" ["*" N] | ("res" | "cat") "[" parts "]" | stage"""
        tok = self.peek()
        nxt = self.peek(1)
        if tok is not None and (
            tok.text == "[" or (tok.text.lower() in BLOCK_WORDS and nxt and nxt.text == "[")
        ):
            return self.block()
        if tok is None or tok.text in PUNCT:
            label = f"layer {self.stage}"
            raise self.error("empty stage: a layer is missing here", tok, label)
        return self.stage_()

    def block(self) -> Block:
        """res[ seq [; seq] ] | cat[ seq? (; seq?)* ] | [ seq ]*N"""
        head = self.tokens[self.pos]
        word = "" if head.text == "[" else head.text.lower()
        self.pos += 1 if not word else 2
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.error(depth_message(self.max_depth), head)
        parts = [self.seq(empty_ok=word == "cat")]
        while (tok := self.peek()) is not None and tok.text == ";":
            if word == "":
                raise self.error("';' separates branches of res[...] or cat[...], not [...]*N", tok)
            self.pos += 1
            parts.append(self.seq(empty_ok=word == "cat"))
        close = self.expect("]", f"'[' at column {head.start + 1} is never closed")
        self.depth -= 1
        whole = Location(self.line, head.start, close.end, self.where)
        if word == "res":
            if len(parts) > 2:
                raise self.error("res[...] has a body and at most one shortcut", close)
            return Block(BlockKind.RES, tuple(parts), origin=Origin(whole, label="res[...]"))
        if word == "cat":
            return Block(BlockKind.CAT, tuple(parts), origin=Origin(whole, label="cat[...]"))
        star = self.expect("*", "a [ ... ] group needs a repeat count: [ ... ]*2")
        count_tok = self.peek()
        if count_tok is None:
            raise self.error("a repeat count is missing after '*'", star)
        self.pos += 1
        try:
            count = parse_number(count_tok.text, "repeat count")
        except LayerError as exc:
            raise self.error(exc.message, count_tok) from None
        if count < 1:
            raise self.error(f"repeat count must be at least 1, got {count}", count_tok)
        whole = Location(self.line, head.start, count_tok.end, self.where)
        return Block(BlockKind.REPEAT, tuple(parts), count, origin=Origin(whole, label="[...]"))

    def stage_(self) -> LayerSpec:
        """stage := KEYWORD [ARG] OPTION*"""
        start = self.pos
        while (tok := self.peek()) is not None and tok.text not in PUNCT:
            self.pos += 1
        tok = self.peek()
        if tok is not None and tok.text in ("*", "["):
            raise self.error(
                "only a [ ... ] group can be repeated: write [stage]*N"
                if tok.text == "*"
                else "'[' opens a block here: write res[...], cat[...] or [...]*N",
                tok,
            )
        index = self.stage
        self.stage += 1
        return parse_stage(self.tokens[start : self.pos], self.line, self.where, index, self.cache)


def _single_stage(
    text: str, line: str, where: str, offset: int, index: int, cache: StageCache | None
) -> LayerSpec:
    """A stage with no punctuation. The same text met again (a YAML list of
    50,000 identical items) is rebuilt from the cache without tokenizing: its
    spans are the cached ones shifted to where this copy stands."""
    known = cache.get(text) if cache is not None else None
    if known is None:
        tokens = tokenize(text)
        if not tokens:
            loc = Location(line, offset, offset + 1, where)
            raise SpecError("empty stage: a layer is missing here", loc, f"layer {index}")
        layer = parse_stage(tokens, text, where, index, cache)
        if cache is None:
            return _shifted(layer, line, offset, index)
        known = cache[text] = (layer.kind, given(layer), layer.origin)
    kind, values, origin = known
    return LayerSpec(kind=kind, origin=_moved(origin, line, where, offset, index), **values)


def _moved(origin: Origin, line: str, where: str, offset: int, index: int) -> Origin:
    def shift(span: Any) -> Any:
        return (span[0] + offset, span[1] + offset)

    fields = {f: shift(span) for f, span in origin.fields.items()}
    return Origin(shift(origin.span), fields, "", line, where, index)


def _shifted(layer: LayerSpec, line: str, offset: int, index: int) -> LayerSpec:
    origin = _moved(layer.origin, line, layer.origin.where, offset, index)
    return LayerSpec(kind=layer.kind, origin=origin, **given(layer))


def parse_stage(
    tokens: list[Token], line: str, where: str, index: int, cache: StageCache | None = None
) -> LayerSpec:
    """``KEYWORD [ARG] OPTION*`` → one layer.

    ``cache`` maps a stage's words to what they were found to mean, so a spec
    that repeats a stage 50,000 times checks it once; each layer keeps its own
    positions.
    """
    head = tokens[0]
    words = tuple(t.text for t in tokens)
    known = cache.get(words) if cache is not None else None
    if known is not None:
        kind_name, seen, at = known
        spans = {f: (tokens[i].start, tokens[i].end) for f, i in at.items()}
        origin = Origin((head.start, tokens[-1].end), spans, "", line, where, index)
        return LayerSpec(kind=kind_name, origin=origin, **seen)
    label = f"layer {index} '{line[head.start : tokens[-1].end]}'"

    def error(message: str, tok: Token) -> SpecError:
        return SpecError(message, Location(line, tok.start, tok.end, where), label)

    kind = lookup(head.text)
    if kind is None:
        raise error(unknown_kind(head.text), head)
    values: dict[str, Any] = {}
    places: dict[str, int] = {}
    position = 1
    has_arg = kind.arg is not Arg.NONE and len(tokens) > 1 and _is_argument(tokens[1].text)
    try:
        if has_arg:
            values.update(parse_arg(kind, tokens[1].text))
            places.update((f, 1) for f in ARG_FIELDS[kind.arg])
        for position in range(2 if has_arg else 1, len(tokens)):
            field, value = parse_option(kind, tokens[position].text)
            if field in values:
                raise LayerError(f"{field.replace('_', ' ')} is given twice")
            values[field] = value
            places[field] = position
    except LayerError as exc:
        raise error(exc.message, tokens[min(position, len(tokens) - 1)]) from None
    fields = {f: (tokens[i].start, tokens[i].end) for f, i in places.items()}
    origin = Origin((head.start, tokens[-1].end), fields, "", line, where, index)
    try:
        layer = build(kind, values, origin)
    except LayerError as exc:
        raise SpecError(exc.message, origin.locate(exc.field), label) from None
    if cache is not None:
        cache[words] = (kind.name, values, places)
    return layer


StageCache = dict[Any, Any]
"""Words (or a whole plain stage's text) to what they were found to mean."""


def unknown_kind(word: str) -> str:
    import difflib  # only for a message: costs 1 ms to import

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
    if text.isdigit():  # the common case, without a regex
        return int(text)
    if _INTEGER.fullmatch(text):
        return int(text)
    if not text:
        raise LayerError(f"{what}: a number is missing")
    if _NUMBER.fullmatch(text):
        raise LayerError(f"{what} must be a whole number, got {text}")
    raise LayerError(f"{what}: '{text}' is not a number")


def parse_dims(text: str, what: str) -> tuple[int, ...]:
    """``3x3`` → (3, 3); ``X`` and ``×`` also separate."""
    parts = text.lower().replace("×", "x").split("x")
    return tuple(int(p) if p.isdigit() else parse_number(p, what) for p in parts)


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
