"""The spec language's string form, parsed (:mod:`cnncalc.canonical` prints it).

Grammar (keywords and options are case-insensitive, whitespace is free)::

    spec   := seq
    seq    := item ("|" item)*
    item   := block ["frozen"] ["as" NAME] | stage
    block  := "[" seq "]" "*" N ["shared"] | "res[" seq [";" seq] "]" | "mul[" seq "]"
            | "side[" seq "]"
            | ("cat[" | "split[" | "catcrop[") seq? (";" seq?)* "]"
    stage  := KEYWORD [ARG] OPTION* ["as" NAME]
    ARG    := NxF[xF[xF]] | K[xK[xK]] | N | VxD | P | NAME[,NAME]  (which one: the kind's Arg)
    OPTION := sK | pK | psame | pvalid | dK | gK | opK | dw | nobias | ceil | frozen
            | table=a,b,c/d,e,f/...                        (K may be per axis: 2x1)

Every token keeps its position, so an error can draw a caret under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import Any, NamedTuple

from cnncalc.constructs import BY_WORD, CONSTRUCTS, words_text
from cnncalc.errors import LayerError, Location, SpecError
from cnncalc.kinds import KINDS, NAMES, Arg, Kind, lookup
from cnncalc.kinds.grammar import FORMS, OPTIONS, build, read_arg, read_name, read_option
from cnncalc.layer import (
    DEFAULT_MAX_LAYERS,
    MAX_DEPTH,
    MAX_TABLE,
    Block,
    BlockKind,
    LayerSpec,
    Model,
    Node,
    Origin,
    given,
)
from cnncalc.number import DECIMAL, DIMS, short, table_message, whole


class Token(NamedTuple):
    """A word or punctuation mark and its span in the source line (a tuple: cheap
    to make by the hundred thousand)."""

    text: str
    start: int
    end: int


PUNCT = ("|", "[", "]", ";", "*")
BLOCK_WORDS = tuple(BY_WORD)
"""The words that open a block (``res[``): its construct's (:mod:`cnncalc.constructs`)."""
_SEVERAL = words_text([w for w, c in BY_WORD.items() if c.max_paths != 1])
_OPENERS = ", ".join(f"{word}[...]" for word in BY_WORD) + " or [...]*N"

_HAS_PUNCT = re.compile(r"[|\[\];*]")
_TOKEN = re.compile(r"[|\[\];*]|[^\s|\[\];*]+")

MAX_STAGE_WORDS = 4 + len(OPTIONS)
"""The most words one stage can have: a keyword, an argument, each option
once and ``as NAME``. A longer stage is an error, found from its first ``MAX_STAGE_WORDS + 1``
words: the rest are never split off the text."""

_CHUNK = 4096
"""Tokens are made this many at a time, as the parser needs them, so a text that
goes wrong early (16 MiB of ``[``) is never split into millions of tokens."""


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Words and ``| [ ] ; *``, each with its span shifted by ``offset``."""
    return list(tokens(text, offset))


def tokens(text: str, offset: int = 0) -> Iterator[Token]:
    """:func:`tokenize`, one token at a time."""
    return (Token(m.group(), m.start() + offset, m.end() + offset) for m in _TOKEN.finditer(text))


def count_items(text: str) -> int:
    """A bound on the items of a spec string, from three counts of characters
    (no tokenizing): every ``|`` and ``;`` separates one more stage or branch
    (an empty cat branch counts too), every ``[`` opens a block."""
    return text.count("|") + text.count(";") + text.count("[") + 1


def items_message(limit: int) -> str:
    return (
        f"the spec has more than {limit:,} layers, blocks and branches "
        "(raise the limit with --max-layers)"
    )


def parse(
    text: str,
    where: str = "",
    name: str = "model",
    max_depth: int = MAX_DEPTH,
    max_layers: int = DEFAULT_MAX_LAYERS,
) -> Model:
    """Parse a whole spec string into a :class:`Model`."""
    layers = parse_stages(text, where, max_depth=max_depth, max_items=max_layers)
    return Model(layers=layers, name=name)


def read(text: str, where: str, max_layers: int, max_depth: int) -> Model:
    """The reader of :data:`cnncalc.readers.SPEC`: a spec string's model."""
    return parse(text.strip(), where, max_depth=max_depth, max_layers=max_layers)


def parse_stages(
    text: str,
    where: str = "",
    line: str | None = None,
    offset: int = 0,
    first: int = 1,
    cache: StageCache | None = None,
    max_depth: int = MAX_DEPTH,
    max_items: int = DEFAULT_MAX_LAYERS,
) -> tuple[Node, ...]:
    """Parse ``item | item ...``, blocks included.

    ``line`` and ``offset`` place ``text`` inside a longer source line (a YAML
    file's), so carets land under the user's own text; ``first`` numbers the
    first stage; ``cache`` may be shared by many calls (one per YAML item).
    A text of more than ``max_items`` items (:func:`count_items`) is refused
    before any of it is read.
    """
    if "\n" in text or "\r" in text:
        text = " ".join(text.splitlines())
    if line is None:
        line = text
    if not _HAS_PUNCT.search(text):  # one plain stage: the common YAML item
        return (_single_stage(text, line, where, offset, first, cache),)
    if count_items(text) > max_items:
        raise SpecError(items_message(max_items))
    if "=" in text and text.count(",") + text.count("/") >= MAX_TABLE:
        raise SpecError(table_message())
    parser = _Parser(tokens(text, offset), line, where, first, max_depth)
    if cache is not None:
        parser.cache = cache
    return parser.spec()


def depth_message(limit: int) -> str:
    return f"blocks nest deeper than {limit} (raise the limit with --max-depth)"


class _Parser:
    """Recursive descent over the tokens; each method's docstring is its rule."""

    def __init__(
        self,
        source: Iterator[Token],
        line: str,
        where: str,
        first: int,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.max_depth = max_depth
        self.source = source
        self.tokens: list[Token] = []  # those made so far (see _CHUNK)
        self.more = True
        self.line = line
        self.where = where
        self.pos = 0
        self.stage = first
        self.depth = 0
        self.cache: StageCache = {}

    def peek(self, ahead: int = 0) -> Token | None:
        i = self.pos + ahead
        if i >= len(self.tokens) and self.more:
            self.tokens.extend(islice(self.source, i - len(self.tokens) + _CHUNK))
            self.more = i < len(self.tokens)
        return self.tokens[i] if i < len(self.tokens) else None

    def error(self, message: str, tok: Token | None, label: str | None = None) -> SpecError:
        if tok is None:  # at the end of the text (all of it tokenized): point just past it
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
        """block ["frozen"] ["as" NAME]: every layer inside a frozen block is frozen;
        a named one can be read by the items after it (``add c3``)."""
        block = self.block_()
        for _ in range(2):  # either order
            tok = self.peek()
            if tok is not None and tok.text.lower() == "frozen":
                self.pos += 1
                block = freeze(block)
            elif tok is not None and tok.text.lower() == "as" and block.name is None:
                self.pos += 1
                word = self.peek()
                if word is None or word.text in PUNCT:
                    raise self.error("'as' needs a name after it: [ ... ]*2 as c3", word or tok)
                self.pos += 1
                try:
                    name = read_name(word.text)
                except LayerError as exc:
                    raise self.error(exc.message, word) from None
                at = Location(self.line, word.start, word.end, self.where)
                origin = Origin(block.origin.span, {"name": at}, block.origin.label)
                block = Block(block.kind, block.parts, block.count, name, origin, block.shared)
        return block

    def block_(self) -> Block:
        """WORD[ seq (; seq)* ] for a construct's word (its construct says how many
        paths and whether one may be empty) | [ seq ]*N"""
        head = self.tokens[self.pos]
        word = "" if head.text == "[" else head.text.lower()
        self.pos += 1 if not word else 2
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.error(depth_message(self.max_depth), head)
        construct = BY_WORD.get(word) or CONSTRUCTS[BlockKind.REPEAT]
        parts = [self.seq(empty_ok=construct.empty_paths)]
        while (tok := self.peek()) is not None and tok.text == ";":
            if not word:
                raise self.error(f"';' separates the paths of {_SEVERAL}, not [...]*N", tok)
            if construct.max_paths is not None and len(parts) >= construct.max_paths:
                raise self.error(construct.too_many, tok)
            self.pos += 1
            parts.append(self.seq(empty_ok=construct.empty_paths))
        close = self.expect("]", f"'[' at column {head.start + 1} is never closed")
        self.depth -= 1
        whole = Location(self.line, head.start, close.end, self.where)
        if word:
            return Block(construct.kind, tuple(parts), origin=Origin(whole, label=f"{word}[...]"))
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
        end = count_tok.end
        shared = (tok := self.peek()) is not None and tok.text.lower() == "shared"
        if shared:
            self.pos += 1
            end = self.tokens[self.pos - 1].end
        whole = Location(self.line, head.start, end, self.where)
        origin = Origin(whole, label="[...]")
        return Block(BlockKind.REPEAT, tuple(parts), count, origin=origin, shared=shared)

    def stage_(self) -> LayerSpec:
        """stage := KEYWORD [ARG] OPTION*"""
        start = self.pos
        while (tok := self.peek()) is not None and tok.text not in PUNCT:
            self.pos += 1
            if self.pos - start > MAX_STAGE_WORDS:  # an error: found in these words
                return self.too_long(start)
        tok = self.peek()
        if tok is not None and tok.text in ("*", "["):
            raise self.error(
                "only a [ ... ] group can be repeated: write [stage]*N"
                if tok.text == "*"
                else f"'[' opens a block here: write {_OPENERS}",
                tok,
            )
        index = self.stage
        self.stage += 1
        return parse_stage(self.tokens[start : self.pos], self.line, self.where, index, self.cache)

    def too_long(self, start: int) -> LayerSpec:
        """A stage of more words than any stage can have: reading its first
        :data:`MAX_STAGE_WORDS` + 1 raises the error (an option given twice, an
        unknown word...)."""
        words = self.tokens[start : self.pos]
        parse_stage(words, self.line, self.where, self.stage, self.cache)
        raise self.error(f"more than {MAX_STAGE_WORDS} words in one stage", words[-1])


def freeze(node: Block) -> Block:
    """The block with every layer that has weights to train marked ``frozen``
    (those whose kind takes the option: a relu has nothing to freeze)."""

    def frozen(item: Node) -> Node:
        if isinstance(item, Block):
            return freeze(item)
        if "trainable" in KINDS[item.kind].options and item.trainable:
            return item.replace(trainable=False)
        return item

    parts = tuple(tuple(frozen(n) for n in part) for part in node.parts)
    return Block(node.kind, parts, node.count, node.name, node.origin, node.shared)


def _single_stage(
    text: str, line: str, where: str, offset: int, index: int, cache: StageCache | None
) -> LayerSpec:
    """A stage with no punctuation. The same text met again (a YAML list of
    50,000 identical items) is rebuilt from the cache without tokenizing: its
    spans are the cached ones shifted to where this copy stands."""
    known = cache.get(text) if cache is not None else None
    if known is None:
        words = list(islice(tokens(text), MAX_STAGE_WORDS + 1))
        if not words:
            loc = Location(line, offset, offset + 1, where)
            raise SpecError("empty stage: a layer is missing here", loc, f"layer {index}")
        layer = parse_stage(words, text, where, index, cache)
        if len(words) > MAX_STAGE_WORDS:  # never reached: parse_stage found the error
            loc = Location(line, offset + words[-1].start, offset + words[-1].end, where)
            raise SpecError(f"more than {MAX_STAGE_WORDS} words in one stage", loc)
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
    label = f"layer {index} '{short(line[head.start : tokens[-1].end], 60)}'"

    def error(message: str, tok: Token) -> SpecError:
        return SpecError(message, Location(line, tok.start, tok.end, where), label)

    kind = lookup(head.text)
    if kind is None:
        stage = line[head.start : tokens[-1].end]
        whole = line.strip() == head.text
        raise error(unknown_kind(head.text, stage, whole, line), head)
    values: dict[str, Any] = {}
    places: dict[str, int] = {}
    position = 1
    end = len(tokens)
    named = next((i for i in range(1, end) if tokens[i].text.lower() == "as"), None)
    if named is not None:  # ``conv 256x1x1 as p5``: the layer's name, last in the stage
        if named != end - 2:
            raise error(
                f"'as' takes one name, at the end of the stage: {kind.name} … as NAME",
                tokens[min(named + 2, end - 1)] if named < end - 1 else tokens[named],
            )
        try:
            values["name"] = read_name(tokens[-1].text)
        except LayerError as exc:
            raise error(exc.message, tokens[-1]) from None
        places["name"] = end - 1
        end -= 2
    has_arg = kind.arg is not Arg.NONE and end > 1
    has_arg = has_arg and (kind.arg is Arg.REF or _is_argument(tokens[1].text))
    try:
        if has_arg:
            values.update(read_arg(kind, tokens[1].text))
            places.update((f, 1) for f in FORMS[kind.arg].fields)
        for position in range(2 if has_arg else 1, end):
            field, value = parse_option(kind, tokens[position].text)
            if field in values:
                raise LayerError(f"{field.replace('_', ' ')} is given twice")
            values[field] = value
            places[field] = position
    except LayerError as exc:
        at = min(position, len(tokens) - 1)
        message = exc.message
        fix = option_fix(tokens[at].text) if message.startswith("unknown option") else None
        if fix is not None:
            texts = [t.text for t in tokens]
            texts[at] = fix
            message += f" — write: {short(' '.join(w for w in texts if w), 80)}"
        else:
            layers = _separated(tokens)
            if layers is not None:
                message += f" — layers are separated by '|': {short(layers, 80)}"
        raise error(message, tokens[at]) from None
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


def unknown_kind(word: str, stage: str = "", whole: bool = False, line: str = "") -> str:
    """What to say about a word that is no layer: the cnncalc text for a pasted
    PyTorch or Keras layer (:mod:`cnncalc.translate`; the whole ``line`` at once
    when it is a chain of them), a keyword from another library
    (``globalavgpool`` → gap), a preset's near-miss name when ``word`` is the
    whole spec (``lenet``), or the nearest keyword."""
    import difflib  # only for a message: costs 1 ms to import

    from cnncalc import translate

    if DECIMAL.fullmatch(word) or DIMS.fullmatch(word) or word[:1].isdigit():
        return f"expected a layer keyword, got '{short(word)}' (is a '|' missing or misplaced?)"
    beyond = translate.out_of_scope(word)
    if beyond is not None:
        return beyond
    if "(" in stage:
        meant = translate.translate(stage)
        if meant is not None:
            chain = translate.chain(line) if line.count("|") else None
            return f"a PyTorch or Keras layer; write: {short(chain or meant, 200)}"
    keyword = translate.word(word)
    if keyword is not None:
        return f"unknown layer '{short(word)}' — write: {keyword}"
    preset = _near_preset(word) if whole else None
    if preset:
        return f"unknown layer '{short(word)}' — did you mean the preset {preset}?"
    # No keyword is longer than 16 letters: a long word gets no suggestion (and
    # difflib no 16 MB word to index).
    near = difflib.get_close_matches(word.lower(), list(NAMES), n=1) if len(word) < 40 else []
    hint = f" — did you mean '{near[0]}'?" if near else ""
    return f"unknown layer '{short(word)}'{hint}"


def _near_preset(word: str) -> str:
    """``'lenet5'`` for ``resnet-50``, ``vgg16bn`` (``-``, ``_`` and case
    ignored); the presets a word begins (``lenet``: lenet5, lenet5-modern), else
    the closest; up to three names, quoted; empty when none is close."""
    import difflib

    from cnncalc import presets

    def key(name: str) -> str:
        return "".join(c for c in name.lower() if c.isalnum())

    names = {key(name): name for name in presets.names()}
    if len(word) > 40:
        return ""
    exact = names.get(key(word))
    started = [names[k] for k in sorted(names) if k.startswith(key(word))][:3]
    close = difflib.get_close_matches(key(word), names, 3, 0.8)
    found = [exact] if exact else started or [names[k] for k in close]
    return " or ".join(f"'{name}'" for name in found)


_OPTION_WORDS = {
    **{letter: letter for letter in ("p", "s", "d", "g", "op")},  # p=1 → p1
    "padding": "p",
    "pad": "p",
    "stride": "s",
    "strides": "s",
    "dilation": "d",
    "dilation_rate": "d",
    "groups": "g",
    "output_padding": "op",
}
"""``key=value`` options from PyTorch and Keras, to the letter cnncalc writes."""


_SEPARATORS = re.compile(r"\s*(?:,|->|=>|→)\s*")


def _separated(tokens: list[Token]) -> str | None:
    """``conv 64x3x3, relu`` or ``conv 64x3x3 -> relu``: layers joined by a comma or
    an arrow, as ``conv 64x3x3 | relu``; None unless each piece starts with a layer."""
    pieces = [p for p in _SEPARATORS.split(" ".join(t.text for t in tokens)) if p]
    if len(pieces) < 2 or not all(lookup(piece.split()[0]) for piece in pieces):
        return None
    return " | ".join(pieces)


def option_fix(text: str) -> str | None:
    """The cnncalc option for an unknown one: ``same`` → psame, ``padding=1`` → p1,
    ``stride=(2, 2)`` → s2x2, ``bias=False`` → nobias; ``None`` when none fits."""
    low = text.lower().strip(",")
    if low in ("same", "valid"):
        return "p" + low
    key, eq, value = low.partition("=")
    if not eq:
        return None
    value = value.strip("'\"()[] ").replace(",", "x").replace(" ", "")
    if key in ("bias", "use_bias"):
        return "nobias" if value == "false" else ""
    if key == "ceil_mode":
        return "ceil" if value == "true" else ""
    letter = _OPTION_WORDS.get(key)
    if letter is None:
        return None
    if letter == "p" and value in ("same", "valid"):
        return "p" + value
    parts = value.split("x")
    if not all(p.isdigit() for p in parts):
        return None
    return letter + (parts[0] if len(set(parts)) == 1 else "x".join(parts))


def _is_argument(text: str) -> bool:
    """Arguments start with a digit or a sign; options with a letter. A digit
    that is not 0-9 (², ٣) starts an argument too, which then says it is not a number."""
    return text[:1].isdigit() or text[:1] in ".+-"


def parse_number(text: str, what: str) -> int:
    """A whole number in ASCII digits, of at most :data:`~cnncalc.number.MAX_DIGITS`;
    anything else gets a message that says what it is."""
    return whole(text, what)


def parse_option(kind: Kind, text: str) -> tuple[str, Any]:
    """An option by the grammar's table, or a message that says what ``text`` is."""
    option = read_option(text)
    if option is not None:
        return option
    low = text.lower()
    if DECIMAL.fullmatch(text) or DIMS.fullmatch(low) or text[:1].isdigit():
        arg = f"one {kind.arg.value} argument" if kind.arg is not Arg.NONE else "no argument"
        raise LayerError(f"unexpected number '{short(text)}': {kind.name} takes {arg}")
    if lookup(low) is not None:
        raise LayerError(f"'{text}' is a layer: is a '|' missing before it?")
    raise LayerError(f"unknown option '{short(text)}' for {kind.name}")
