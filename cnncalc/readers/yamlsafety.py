"""What a YAML document may hold, checked before a layer is read from it.

A document is composed into nodes by PyYAML's safe loader (libyaml's when
installed); then every tag is checked to be plain data (no ``!!python/…``,
dates, merge keys or custom tags), keys are unique, aliases do not contain
themselves, and the layers it can expand to are counted from its nodes, so a
"billion laughs" costs no more than the limit. The document reader
(:mod:`.yamlspec`) builds on :class:`Checked`.
"""

from __future__ import annotations

from typing import Any

import yaml

from cnncalc.constructs import BY_YAML_KEY
from cnncalc.errors import LayerError, Location, SpecError
from cnncalc.kinds import lookup
from cnncalc.layer import (
    DEFAULT_MAX_LAYERS,
    MAX_DEPTH,
)
from cnncalc.number import MAX_DIGITS, WHOLE, whole
from cnncalc.readers.spec import (
    StageCache,
)

BLOCK_KEYS = BY_YAML_KEY
"""The keys that make a block: each construct's (:mod:`cnncalc.constructs`)."""
Env = dict[str, Any]
"""A block's parameters while its body is read."""

LINES_PER_LAYER = 10
"""Lines (or comma-separated items) a YAML file may spend per layer: LeNet-5's
preset, the most commented, spends 10; the others 0.2 to 7."""


class Checked:
    """A YAML document as read and checked, before any layer is made: its lines
    for carets, its named blocks, a layer count; the checks of what it may hold
    (:meth:`audit`) and how many layers it can expand to (:meth:`weight`)."""

    def __init__(
        self,
        text: str,
        where: str,
        max_layers: int = DEFAULT_MAX_LAYERS,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.max_items = max_layers
        self.max_depth = max_depth
        self.items = 0
        self.text = text
        self.lines = text.splitlines()
        self.where = where
        self.blocks: dict[str, tuple[Env, yaml.Node]] = {}
        self.globals: Env = {}  # a family's variant: its parameters, seen everywhere
        self.stage = 1
        self.depth = 0
        self.cache: StageCache = {}

    # --- locations ---------------------------------------------------------

    def locate(self, node: yaml.Node) -> Location:
        start, end = node.start_mark, node.end_mark
        line = self.lines[start.line] if start.line < len(self.lines) else ""
        stop = end.column if end.line == start.line else len(line)
        where = f"{self.where}:{start.line + 1}"
        return Location(line, start.column, max(stop, start.column + 1), where)

    def error(self, message: str, node: yaml.Node, layer: str | None = None) -> SpecError:
        return SpecError(_clip(message), self.locate(node), layer)

    # --- what the document holds, before any value is made -------------------

    def audit(self, root: yaml.Node) -> None:
        """One pass over every distinct node, without recursion and without expanding
        an alias: refuse tags other than plain data, keys that are not text, keys given
        twice and aliases that contain themselves; count what each node would expand to
        (``self.sizes``) and whether a list or mapping under it is reached twice
        (``self.aliased``). Text and numbers are leaves: an alias to one adds one."""
        sizes: dict[int, int] = {}
        aliased: dict[int, bool] = {}
        refs: dict[int, int] = {}
        inner: dict[int, tuple[int, list[yaml.Node]]] = {}  # leaves, and lists or mappings
        stack = [root]
        scalar, plain = yaml.ScalarNode, _PLAIN_TAGS
        while stack:
            node = stack[-1]
            key = id(node)
            if key in sizes:  # reached again through an alias: counted already
                stack.pop()
                continue
            known = inner.get(key)
            if known is None:  # first time here: look at it, then at its children
                if isinstance(node, scalar):
                    stack.pop()
                    if node.tag not in plain:
                        raise self.error(_tag_message(node), node)
                    sizes[key], aliased[key] = 1, False
                    continue
                self.check_node(node)
                leaves, nested = 0, list[yaml.Node]()
                inner[key] = (leaves, nested)  # open: met again below, it contains itself
                for child in _children(node):
                    if isinstance(child, scalar):
                        if child.tag not in plain:
                            raise self.error(_tag_message(child), child)
                        leaves += 1
                        continue
                    at = id(child)
                    nested.append(child)
                    refs[at] = refs.get(at, 0) + 1
                    if at in inner and at not in sizes:  # still open: an ancestor
                        raise self.error(
                            "a YAML alias refers to a value that contains it (a recursive alias)",
                            child,
                        )
                    if at not in sizes:
                        stack.append(child)
                inner[key] = (leaves, nested)
                continue
            stack.pop()  # back here with every child counted
            leaves, nested = known
            total, shared = 1 + leaves, False
            for child in nested:
                at = id(child)
                total += sizes[at]
                shared = shared or refs[at] > 1 or aliased[at]
            sizes[key], aliased[key] = total, shared
        self.sizes, self.aliased = sizes, aliased

    def check_node(self, node: yaml.Node) -> None:
        if node.tag not in _PLAIN_TAGS:
            raise self.error(_tag_message(node), node)
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.error("a key must be plain text, not a list or a mapping", key_node)
                key = str(key_node.value)
                if key in keys:
                    raise self.error(f"'{_short(key)}' is given twice", key_node)
                keys.add(key)

    def plain(self, node: yaml.Node) -> Any:
        """The node's value, once we know it is small when its aliases are expanded."""
        size = self.sizes.get(id(node), 1)  # a leaf under a list is not counted alone
        if size > VALUE_LIMIT and self.aliased.get(id(node), False):
            raise self.error(
                f"this value expands to {size:,} items through YAML aliases; "
                f"a value may hold at most {VALUE_LIMIT:,}",
                node,
            )
        return _plain(node)

    # --- the document ------------------------------------------------------

    def root(self) -> yaml.Node | None:
        loader = None
        try:
            loader = _LOADER(self.text)  # checks the characters already
            node: yaml.Node | None = loader.get_single_node()
            return node
        except yaml.reader.ReaderError as exc:
            row = self.text[: exc.position].count("\n")
            where = f"{self.where}:{row + 1}"
            loc = Location(self.lines[row] if row < len(self.lines) else "", 0, 0, where)
            message = f"malformed YAML: character {exc.character!r} is not allowed"
            raise SpecError(message, loc) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            row, col = (mark.line, mark.column) if mark else (0, 0)
            if row >= len(self.lines):  # the end of the file: its last line, past its end
                row = max(len(self.lines) - 1, 0)
                col = len(self.lines[row]) if self.lines else 0
            line = self.lines[row] if row < len(self.lines) else ""
            where = f"{self.where}:{row + 1}" if mark else self.where
            loc = Location(line, col, col + 1, where)
            raise SpecError(f"malformed YAML: {exc.problem or exc.context}", loc) from None
        except yaml.YAMLError as exc:
            raise SpecError(f"malformed YAML: {exc}", Location("", 0, 0, self.where)) from None
        finally:
            if loader is not None:
                loader.dispose()

    def too_many(self, node: yaml.Node) -> SpecError:
        return self.error(
            f"the file expands to more than {self.max_items:,} layers (YAML aliases?); "
            "raise the limit with --max-layers",
            node,
        )

    def weight(self, node: yaml.Node, memo: dict[int, int], depth: int) -> int:
        """How many layer items reading the layer list ``node`` would count (as
        :meth:`item` does), aliases and block uses expanded, in time linear in the
        distinct nodes (memoised by node). A layer's fields are values, not items:
        ``conv: {filters: 8, kernel: [1, 1]}`` is one (it once counted five)."""
        if id(node) in memo:
            return memo[id(node)]
        if depth > self.max_depth:  # a block that uses itself: reading it reports that
            return 0
        total = 1  # a stage string, or what reading refuses
        if isinstance(node, yaml.SequenceNode):
            total = sum(1 + self.inside(child, memo, depth) for child in node.value)
        memo[id(node)] = total
        return total

    def inside(self, item: yaml.Node, memo: dict[int, int], depth: int) -> int:
        """The items inside one item of a layer list: those of a block's layer lists
        (its parts, its branches, a used block's body); none in a layer."""
        if not isinstance(item, yaml.MappingNode) or len(item.value) != 1:
            return 0
        key_node, value = item.value[0]
        word = str(key_node.value)
        if word in self.blocks:
            return self.weight(self.blocks[word][1], memo, depth + 1)
        if word not in BLOCK_KEYS or _reads_names(word, value):
            return 0
        construct = BLOCK_KEYS[word]
        if isinstance(value, yaml.SequenceNode):  # mul: [...], side: [...], cat: [[...], ...]
            lists = list(value.value) if construct.max_paths is None else [value]
        elif isinstance(value, yaml.MappingNode):
            parts = {str(k.value): v for k, v in value.value}
            lists = [parts[p] for p in construct.yaml_paths if p in parts]
            if isinstance(parts.get("branches"), yaml.SequenceNode):
                lists += parts["branches"].value
        else:
            return 0
        return sum(self.weight(part, memo, depth + 1) for part in lists)


def _reads_names(word: str, node: yaml.Node) -> bool:
    """``cat: d1`` or ``mul: {ref: gate}``: the join that reads names, not the
    block of the same word (``cat: [[...], [...]]``, ``mul: [...]``)."""
    kind = lookup(word)
    if kind is None or kind.join is None:
        return False
    if isinstance(node, yaml.ScalarNode):
        return node.value not in ("", None)
    return isinstance(node, yaml.MappingNode) and any(
        str(key.value) in ("ref", "refs") for key, _ in node.value
    )


def _as_written(node: yaml.Node, value: Any) -> Any:
    """A whole number as written, by the spec's own grammar (YAML 1.1 would make
    ``010`` 8 in octal, ``1:2`` 62 in base 60, ``0x10`` 16): decimal digits are
    the number; anything else stays the text, for the reader to say what it is."""
    if isinstance(node, yaml.ScalarNode) and type(value) is int and not node.style:
        text = str(node.value)
        return whole(text, "value") if WHOLE.fullmatch(text) else text
    return value


VALUE_LIMIT = 10_000
"""The most items a value read outside a layer list may expand to through aliases."""

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
_TAG_NAMES = {
    "tag:yaml.org,2002:timestamp": "a date or time",
    "tag:yaml.org,2002:merge": "a merge key '<<'",
    "tag:yaml.org,2002:binary": "binary data",
    "tag:yaml.org,2002:set": "a set",
    "tag:yaml.org,2002:omap": "an ordered map",
    "tag:yaml.org,2002:pairs": "a list of pairs",
    "tag:yaml.org,2002:value": "a value key '='",
}


def _tag_message(node: yaml.Node) -> str:
    tag = str(node.tag)
    what = _TAG_NAMES.get(tag)
    if what is None:
        short = "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,") else tag
        what = f"the tag {_short(short)}"
    elif tag.endswith(":timestamp"):
        what += " (quote it to give text)"
    return f"unsupported YAML value: {what}; a spec file holds text, numbers, lists and mappings"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


LINE = 60
"""The most characters of a user's value an error message shows."""


def _short(value: Any) -> str:
    """A value for a message, at most :data:`LINE` characters, without writing out
    all of a long one first (an alias can make a list of billions)."""
    import reprlib  # only for a message

    brief = reprlib.Repr()
    brief.maxstring = brief.maxother = brief.maxlong = LINE
    brief.maxlist = brief.maxtuple = brief.maxdict = brief.maxset = 8
    brief.maxlevel = 3
    text = value if isinstance(value, str) else brief.repr(value)
    return text if len(text) <= LINE else text[: LINE - 1] + "…"


def _clip(message: str) -> str:
    """A message that would run past a screen line or two (a huge value written out
    in it) is cut: nothing a user gives makes an error longer than that."""
    return message if len(message) <= 4 * LINE else message[: 4 * LINE - 1] + "…"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (ten times faster), else the pure-Python one."""
_CONSTRUCTOR = yaml.SafeLoader("")
"""One safe constructor for every value: making a loader per value is slow."""


def _plain(node: yaml.Node) -> Any:
    """The node's Python value, by the safe loader's rules (no arbitrary tags)."""
    try:
        if isinstance(node, yaml.ScalarNode):
            return _CONSTRUCTOR.construct_object(node)
        value = _CONSTRUCTOR.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise LayerError(
            f"unsupported YAML value: {getattr(exc, 'problem', None) or exc}"
        ) from None
    except ValueError:  # int() of more than 4,300 digits
        raise LayerError(
            f"number too large: {len(str(node.value)):,} characters; "
            f"numbers are at most {MAX_DIGITS} digits"
        ) from None
    finally:
        _CONSTRUCTOR.constructed_objects.clear()
        _CONSTRUCTOR.recursive_objects.clear()
    return value
