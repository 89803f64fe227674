"""The spec language's YAML form.

::

    name: my-net
    input: [3, 32, 32]
    blocks:                        # named, parameterised blocks, defined once
      basic:
        params: {width: 64, stride: 1}
        layers:
          - residual:
              body:
                - conv {width}x3x3 s{stride} p1 nobias
                - bn
          - relu
    layers:
      - conv 6x5x5                 # any stage of the string syntax, or
      - conv: {filters: 16, kernel: 5, stride: 1, padding: 0}
      - pool: 2                    # kind: argument
      - relu:                      # kind alone
      - repeat: {times: 2, layers: [conv 16x3x3 p1, relu]}
      - concat: [[conv 8x1x1], [], [pool 3 s1 p1]]
      - basic: {width: 128}        # a named block, with its parameters

PyYAML's safe loader composes the document into nodes first, so every error
can name the file's line and draw a caret under the key or value at fault.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from cnncalc import collector, number
from cnncalc.constructs import BY_YAML_KEY, Construct
from cnncalc.errors import LayerError, Location, SpecError
from cnncalc.kinds import Kind, grammar, lookup
from cnncalc.kinds.grammar import build
from cnncalc.layer import (
    DEFAULT_MAX_LAYERS,
    MAX_DEPTH,
    Block,
    BlockKind,
    LayerSpec,
    Model,
    Node,
    Origin,
    Shape,
    leaves,
)
from cnncalc.number import MAX_DIGITS, WHOLE, bounded, whole
from cnncalc.readers.spec import (
    StageCache,
    count_items,
    depth_message,
    freeze,
    parse_stages,
    unknown_kind,
)

TOP_KEYS = ("name", "description", "input", "layers", "blocks", "source", "notes")
BLOCK_KEYS = BY_YAML_KEY
"""The keys that make a block: each construct's (:mod:`cnncalc.constructs`)."""

_EXPR = re.compile(r"\{([\w\s.*/+\-(),]*)\}")
"""A template: ``{width}``, ``{width*0.75}``, ``{make_divisible(width*0.75, 8)}``."""
_TOKEN = re.compile(r"\s*(?:([0-9]+(?:\.[0-9]+)?)|([^\W\d]\w*)|(\S))")
"""A template's words: an ASCII number, a name, or one other character."""
MAX_TEMPLATE = 200
"""The most characters inside one ``{...}``."""

Env = dict[str, Any]
"""A block's parameters while its body is read."""


def load(
    text: str,
    where: str = "<yaml>",
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_depth: int = MAX_DEPTH,
) -> Model:
    """Parse a YAML document into a :class:`Model`.

    Reading stops with an error once more than ``max_layers`` layer items have
    been read, so aliases that expand a small file into billions of layers (a
    "billion laughs" document) cost no more than the limit. Before that, the
    document's lines and list items are counted (no YAML is read yet): PyYAML
    takes about 7 µs a node, so a 16 MiB file of short items would take seconds
    to compose before any limit could see it.
    """
    lines = text.count("\n") + text.count(",")
    budget = LINES_PER_LAYER * max_layers + 10_000
    if lines > budget:
        raise SpecError(
            f"{where} has more than {budget:,} lines and list items, more than a network "
            f"of {max_layers:,} layers needs (raise the limit with --max-layers)"
        )
    return _Reader(text, where, max_layers, max_depth).model()


def read(text: str, where: str, max_layers: int, max_depth: int) -> Model:
    """The reader of :data:`cnncalc.readers.YAML`: :func:`load`."""
    return load(text, where, max_layers, max_depth)


LINES_PER_LAYER = 10
"""Lines (or comma-separated items) a YAML file may spend per layer: LeNet-5's
preset, the most commented, spends 10; the others 0.2 to 7."""


class _Reader:
    """One YAML document being read: its lines for carets, its blocks, a stage count."""

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

    def model(self) -> Model:
        with collector.paused():  # many nodes and no garbage: the GC only rescans them
            root = self.root()
            if root is not None:
                self.audit(root)
        if not isinstance(root, yaml.MappingNode):
            raise SpecError(
                "a spec file is a mapping with 'layers:' (and optionally 'name:', 'input:')",
                self.locate(root) if root is not None else Location("", 0, 0, self.where),
            )
        top: dict[str, yaml.Node] = {}
        for key_node, value_node in root.value:
            key = str(key_node.value)  # every key is a scalar: checked by audit
            if key not in TOP_KEYS:
                raise self.error(
                    f"unknown key '{_short(key)}'{_near(key, TOP_KEYS)}; a spec file has "
                    f"{', '.join(TOP_KEYS)}",
                    key_node,
                )
            top[key] = value_node
        if "layers" not in top:
            raise self.error("no 'layers:' list in this file", root)
        if "blocks" in top:
            self.define(top["blocks"])
        layers_node = top["layers"]
        if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
            raise self.error("'layers:' must be a non-empty list", layers_node)
        if self.weight(layers_node, {}, 0) > self.max_items:
            raise self.too_many(layers_node)
        return Model(
            layers=self.sequence(layers_node, {}),
            name=self.text_of(top.get("name"), "model"),
            input_shape=self.input(top["input"]) if "input" in top else None,
            description=self.text_of(top.get("description"), ""),
        )

    def text_of(self, node: yaml.Node | None, default: str) -> str:
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode):
            raise self.error("expected text here", node)
        return str(node.value)

    def input(self, node: yaml.Node) -> Shape:
        """``[3, 32, 32]``, ``3x32x32`` or ``50``."""
        try:
            if isinstance(node, yaml.SequenceNode):
                self.plain(node)  # refuse an alias bomb before reading its items
                dims = tuple(_whole(_plain(n), "input") for n in node.value)
            elif isinstance(node, yaml.ScalarNode):
                dims = number.dims(str(node.value), "input")
            else:
                raise LayerError("input is a list of sizes, e.g. [3, 32, 32]")
        except LayerError as exc:
            raise self.error(exc.message, node) from None
        if not dims or min(dims) < 1:
            raise self.error("input sizes must be at least 1", node)
        return dims

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

    def define(self, node: yaml.Node) -> None:
        """``blocks: {name: {params: {...}, layers: [...]}}``"""
        if not isinstance(node, yaml.MappingNode):
            raise self.error("'blocks:' maps block names to {params: ..., layers: [...]}", node)
        for key_node, body in node.value:
            name = str(key_node.value)
            if lookup(name) is not None or name in BLOCK_KEYS:
                raise self.error(
                    f"block name '{_short(name)}' is already a layer keyword", key_node
                )
            if not isinstance(body, yaml.MappingNode):
                raise self.error(
                    f"block '{_short(name)}' needs 'layers:' (and optionally 'params:')", body
                )
            parts = {str(k.value): v for k, v in body.value}
            unknown = set(parts) - {"params", "layers", "description"}
            if unknown or "layers" not in parts:
                raise self.error(f"block '{_short(name)}' has 'params:' and 'layers:' only", body)
            defaults: Env = {}
            if "params" in parts:
                try:
                    params = self.plain(parts["params"])
                except LayerError as exc:
                    raise self.error(exc.message, parts["params"]) from None
                if isinstance(params, list):
                    params = {str(p): None for p in params}
                if not isinstance(params, dict):
                    raise self.error("params: a mapping of names to defaults", parts["params"])
                defaults = {str(k): v for k, v in params.items()}
            self.blocks[name] = (defaults, parts["layers"])

    # --- layers and blocks ---------------------------------------------------

    def sequence(self, node: yaml.Node, env: Env) -> tuple[Node, ...]:
        """A YAML list of layers (or one stage string, for convenience)."""
        if isinstance(node, yaml.ScalarNode) and node.value not in ("", None):
            return self.stages(node, str(node.value), env)
        if not isinstance(node, yaml.SequenceNode):
            raise self.error("expected a list of layers", node)
        nodes: list[Node] = []
        for item in node.value:
            nodes.extend(self.item(item, env))
        return tuple(nodes)

    def item(self, node: yaml.Node, env: Env) -> tuple[Node, ...]:
        """One item of a layer list: a stage string, or ``kind: value``."""
        self.items += 1
        if self.items > self.max_items:
            raise self.too_many(node)
        try:
            return self._item(node, env)
        except LayerError as exc:  # a bad {parameter} or value met on the way
            raise self.error(exc.message, node, f"layer {self.stage}") from None

    def _item(self, node: yaml.Node, env: Env) -> tuple[Node, ...]:
        label = f"layer {self.stage}"
        if isinstance(node, yaml.ScalarNode):
            if node.value in ("", None):
                raise self.error("empty layer", node, label)
            return self.stages(node, str(node.value), env)
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
            raise self.error(
                "a layer is a string ('conv 6x5x5') or one 'kind: value' pair", node, label
            )
        key_node, value_node = node.value[0]
        word = str(key_node.value)
        if word in BLOCK_KEYS and not _reads_names(word, value_node):
            return (self.block(BLOCK_KEYS[word], key_node, value_node, env),)
        if word in self.blocks:
            return (self.use(word, key_node, value_node, env),)
        kind = lookup(word)
        if kind is None:
            hint = _near(word, list(self.blocks))
            raise self.error(
                f"unknown layer or block '{_short(word)}'{hint}" if hint else unknown_kind(word),
                key_node,
                label,
            )
        if isinstance(value_node, yaml.MappingNode) and not _is_template(value_node):
            return (self.fields(kind, key_node, value_node, env),)
        if isinstance(value_node, yaml.SequenceNode) and kind.join is not None:
            names = [str(self.value(n, env)) for n in value_node.value]  # add: [a, b]
            return self.stages(value_node, f"{word} {','.join(names)}", env, keyed=True)
        if isinstance(value_node, yaml.SequenceNode):
            arg = "x".join(str(_whole(self.value(n, env), "size")) for n in value_node.value)
            return self.stages(value_node, f"{word} {arg}", env, keyed=True)
        value = self.value(value_node, env)
        if isinstance(value_node, yaml.ScalarNode) and isinstance(value, (int, float)):
            # the number as written, read by the spec's own grammar: YAML 1.1 would
            # make `pad: 1:2` 62 (base 60), `fc: 0x10` 16 and `fc: 1_000` 1000
            value = value_node.value
        text = word if value in ("", None) else f"{word} {value}"
        return self.stages(value_node, text, env, keyed=True)

    def stages(self, node: yaml.Node, text: str, env: Env, keyed: bool = False) -> tuple[Node, ...]:
        """Parse a stage string, with carets in the file's own line when it is one line."""
        loc = self.locate(node)
        first = self.stage
        expanded = _substitute(text, env) if env else text
        # every string has the file's budget, not one of its own: 1,600 strings of
        # 10,000 ';' each would otherwise add up to 16 million branches
        self.items += count_items(expanded) - 1
        if self.items > self.max_items:
            raise self.too_many(node)
        style = getattr(node, "style", None) or None  # libyaml says '' for plain
        one_line = node.start_mark.line == node.end_mark.line and not keyed
        if one_line and expanded == text and style in (None, "'", '"'):
            offset = loc.start + (1 if style else 0)
            nodes = parse_stages(
                text, loc.where, loc.line, offset, first, self.cache, self.max_depth - self.depth
            )
        else:
            nodes = parse_stages(
                expanded,
                loc.where,
                first=first,
                cache=self.cache,
                max_depth=self.max_depth - self.depth,
            )
        self.stage += sum(1 for _ in leaves(nodes))
        return nodes

    def block(self, construct: Construct, key_node: yaml.Node, node: yaml.Node, env: Env) -> Block:
        """A construct's key (``repeat: {times, layers}``, ``residual: {body, shortcut}``,
        ``concat: [[...], ...]``…): its paths under the keys its construct names, or a
        bare list where it takes one; any block with ``trainable: false`` freezes
        every layer inside."""
        word = str(key_node.value)
        self.enter(key_node)
        if construct.yaml_list is not None and isinstance(node, yaml.SequenceNode):
            parts = {construct.yaml_list: node}
        elif isinstance(node, yaml.MappingNode):
            parts = {str(k.value): v for k, v in node.value}
        else:
            raise self.error(construct.yaml_help, node)
        allowed = {"name", "trainable"} | set(construct.yaml_parts)
        for key in parts:
            if key not in allowed:
                raise self.error(
                    f"{word} takes {', '.join(sorted(allowed))}; not '{_short(key)}'", node
                )
        for needed in construct.yaml_parts[:1]:
            if needed not in parts:
                raise self.error(f"{word} needs '{needed}:' — {construct.yaml_help}", node)
        name = str(self.value(parts["name"], env)) if "name" in parts else None
        origin = Origin(
            self.locate(key_node), label=f"{word} at line {key_node.start_mark.line + 1}"
        )
        trainable = True
        if "trainable" in parts:
            trainable = self.value(parts["trainable"], env)
            if not isinstance(trainable, bool):
                raise self.error(
                    f"trainable is true or false, not {_short(trainable)}", parts["trainable"]
                )
        times, shared = 1, False
        if construct.repeats:
            times = _whole(self.value(parts["times"], env), "times") if "times" in parts else 1
            if times < 1:
                raise self.error(f"times must be at least 1, got {times}", parts["times"])
            shared = self.value(parts["shared"], env) if "shared" in parts else False
            if not isinstance(shared, bool):
                raise self.error(f"shared is true or false, not {_short(shared)}", parts["shared"])
        if construct.max_paths is None:  # branches: one list of them
            branches = parts["branches"]
            if not isinstance(branches, yaml.SequenceNode) or not branches.value:
                raise self.error(construct.yaml_help, branches)
            paths = tuple(self.branch(b, env) for b in branches.value)
        else:
            paths = tuple(
                self.sequence(parts[key], env) for key in construct.yaml_paths if key in parts
            )
        block = Block(construct.kind, paths, times, name, origin, shared)
        self.depth -= 1
        return block if trainable else freeze(block)

    def branch(self, node: yaml.Node, env: Env) -> tuple[Node, ...]:
        """A concat branch: a list of layers; ``[]`` or null is the identity."""
        if isinstance(node, yaml.SequenceNode) and not node.value:
            return ()
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null", None):
            return ()
        return self.sequence(node, env)

    def use(self, word: str, key_node: yaml.Node, node: yaml.Node, env: Env) -> Block:
        """``basic: {width: 128, name: layer2.0}``: a named block with its arguments."""
        defaults, body = self.blocks[word]
        if isinstance(node, yaml.MappingNode):
            args = {str(k.value): self.value(v, env) for k, v in node.value}
        elif isinstance(node, yaml.ScalarNode) and self.plain(node) is None:
            args = {}
        else:
            raise self.error(f"block '{word}' takes a mapping of parameters", node)
        name = args.pop("name", None)
        unknown = [k for k in args if k not in defaults]
        if unknown:
            raise self.error(
                f"block '{word}' has no parameter '{_short(unknown[0])}'"
                f"{_near(unknown[0], list(defaults))}; it takes {', '.join(defaults) or 'none'}",
                node,
            )
        local = {**defaults, **args}
        missing = [k for k, v in local.items() if v is None]
        if missing:
            raise self.error(f"block '{word}' needs a value for '{missing[0]}'", node)
        self.enter(key_node)
        nodes = self.sequence(body, local)
        self.depth -= 1
        origin = Origin(self.locate(key_node), label=word)
        return Block(BlockKind.SEQ, (nodes,), 1, None if name is None else str(name), origin)

    def enter(self, node: yaml.Node) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.error(f"{depth_message(self.max_depth)}; does a block use itself?", node)

    def fields(
        self, kind: Kind, key_node: yaml.Node, mapping: yaml.MappingNode, env: Env
    ) -> LayerSpec:
        """``conv: {filters: 16, kernel: 5, stride: 1}`` → a layer."""
        label = f"layer {self.stage} ({kind.name})"
        self.stage += 1
        values: dict[str, Any] = {}
        spans: dict[str, Location] = {}
        keys = grammar.yaml_keys(kind)
        for k_node, v_node in mapping.value:
            key = str(k_node.value)
            field = keys.get(key) or grammar.YAML_FIELDS.get(key)  # another kind's: build says
            if field is None:
                near = _near(key, grammar.YAML_FIELDS)
                raise self.error(f"unknown field '{_short(key)}'{near}", k_node, label)
            try:
                values.update(grammar.from_yaml(field, self.value(v_node, env), key, _whole))
            except LayerError as exc:
                raise self.error(exc.message, v_node, label) from None
            spans[field] = self.locate(v_node)
        origin = Origin(self.locate(key_node), spans, label)
        try:
            return build(kind, values, origin)
        except LayerError as exc:
            loc = origin.locate(exc.field) or self.locate(key_node)
            raise SpecError(_clip(exc.message), loc, label) from None

    def value(self, node: yaml.Node, env: Env) -> Any:
        """A plain value, with ``{param}`` filled in from the block's parameters."""
        if _is_template(node):  # an unquoted {width} reads as a flow mapping
            assert isinstance(node, yaml.MappingNode)
            return _resolve("{" + str(node.value[0][0].value) + "}", env)
        value = self.plain(node)
        if isinstance(node, yaml.ScalarNode):
            value = _as_written(node, value)
        elif isinstance(node, yaml.SequenceNode) and isinstance(value, list):
            value = [_as_written(n, v) for n, v in zip(node.value, value, strict=False)]
        if isinstance(value, str) and env:
            return _resolve(value, env)
        if isinstance(value, list) and env:
            return [_resolve(v, env) for v in value]
        return value


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


def _is_template(node: yaml.Node) -> bool:
    """``{width}`` unquoted: a flow mapping of one key with no value."""
    return (
        isinstance(node, yaml.MappingNode)
        and bool(node.flow_style)
        and len(node.value) == 1
        and isinstance(node.value[0][1], yaml.ScalarNode)
        and node.value[0][1].value in ("", None)
        and node.value[0][1].tag.endswith(":null")
    )


def _evaluate(match: re.Match[str], env: Env) -> Any:
    """A template's value: a parameter alone as it is; arithmetic exactly
    (numbers, parameters, ``* / + -``, brackets and ``make_divisible(v, d)``), an
    int when whole, else a float. No ``eval``: a small parser of those words."""
    text = match.group(1).strip()
    if len(text) > MAX_TEMPLATE:
        raise LayerError(f"'{{{text[:40]}…}}': more than {MAX_TEMPLATE} characters")
    if re.fullmatch(r"[^\W\d]\w*", text):
        if text not in env:
            raise LayerError(f"unknown parameter '{{{text}}}'{_near(text, list(env))}")
        return env[text]
    value = _Template(match.group(), text, env).parse()
    return value.numerator if value.denominator == 1 else float(value)


class _Template:
    """expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
    factor := '-' factor | number | name | make_divisible '(' expr ',' expr [',' expr] ')'
    | '(' expr ')'. Values are exact fractions, each below 10^30 in size."""

    def __init__(self, written: str, text: str, env: Env) -> None:
        from fractions import Fraction  # only for a template with arithmetic

        self.fraction = Fraction
        self.written, self.env = written, env
        self.words = [m.group(1) or m.group(2) or m.group(3) for m in _TOKEN.finditer(text)]
        self.words = [w for w in self.words if w]
        self.at = 0

    def fail(self, why: str) -> LayerError:
        return LayerError(f"'{_short(self.written)}': {why}")

    def peek(self) -> str:
        return self.words[self.at] if self.at < len(self.words) else ""

    def take(self, word: str | None = None) -> str:
        got = self.peek()
        if word is not None and got != word:
            raise self.fail(f"expected '{word}', got '{got}'" if got else f"'{word}' is missing")
        if not got:
            raise self.fail("a number or a parameter is missing")
        self.at += 1
        return got

    def parse(self) -> Any:
        value = self.expr()
        if self.peek():
            raise self.fail(f"unexpected '{self.peek()}'")
        return value

    def bounded(self, value: Any) -> Any:
        if not -number.LIMIT < value.numerator < number.LIMIT or value.denominator >= number.LIMIT:
            raise self.fail("a value of 30 digits or more")
        return value

    def expr(self) -> Any:
        value = self.term()
        while self.peek() in ("+", "-"):
            right = (self.take(), self.term())
            value = self.bounded(value + right[1] if right[0] == "+" else value - right[1])
        return value

    def term(self) -> Any:
        value = self.factor()
        while self.peek() in ("*", "/"):
            op, right = self.take(), self.factor()
            if op == "/" and right == 0:
                raise self.fail("division by zero")
            value = self.bounded(value * right if op == "*" else value / right)
        return value

    def factor(self) -> Any:
        word = self.take()
        if word == "-":
            return -self.factor()
        if word == "(":
            value = self.expr()
            self.take(")")
            return value
        if word[0].isdigit():
            if "." in word:
                whole(word.replace(".", ""), f"'{self.written}'")  # at most 30 digits
                return self.fraction(word)
            return self.fraction(whole(word, f"'{self.written}'"))
        if word == "make_divisible" and self.peek() == "(":
            return self.make_divisible()
        if re.fullmatch(r"[^\W\d]\w*", word):
            return self.parameter(word)
        raise self.fail(f"unexpected '{word}'")

    def parameter(self, name: str) -> Any:
        if name not in self.env:
            raise LayerError(f"unknown parameter '{{{name}}}'{_near(name, list(self.env))}")
        value = self.env[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{name} is {_short(value)}, not a number")
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.fail(f"{name} is {value}, not a finite number")
            return self.bounded(self.fraction(repr(value)))
        return self.bounded(self.fraction(value))

    def make_divisible(self) -> Any:
        """torchvision's ``_make_divisible(v, divisor, min_value=None)``: v rounded
        to the nearest multiple of the divisor (at least ``min_value``, which
        defaults to the divisor), one divisor more if that lost over 10% of v.
        Its formula, ``max(min_value, int(v + divisor / 2) // divisor * divisor)``
        then ``+ divisor`` if below ``0.9 * v``, in exact fractions: the same as
        torchvision's floats on ordinary values, and exact past 2^53."""
        self.take("(")
        args = [self.expr()]
        while self.peek() == ",":
            self.take()
            args.append(self.expr())
        self.take(")")
        if len(args) not in (2, 3) or any(a.denominator != 1 or a < 1 for a in args[1:]):
            raise self.fail("make_divisible takes (value, divisor[, least]), whole and at least 1")
        v, divisor = args[0], int(args[1])
        least = int(args[2]) if len(args) == 3 else divisor
        new = max(least, int(v + self.fraction(divisor, 2)) // divisor * divisor)  # int truncates
        if new < self.fraction(9, 10) * v:
            new += divisor
        return self.bounded(self.fraction(new))


def _resolve(value: Any, env: Env) -> Any:
    """``"{width}"`` → the parameter's value; ``"conv {width*4}x1x1"`` → text."""
    if not isinstance(value, str) or "{" not in value:
        return value
    whole = _EXPR.fullmatch(value.strip())
    if whole:
        return _evaluate(whole, env)
    return _substitute(value, env)


def _substitute(text: str, env: Env) -> str:
    return _EXPR.sub(lambda m: str(_evaluate(m, env)), text)


def _near(word: str, choices: Any) -> str:
    import difflib  # only for a message: costs 1 ms to import

    near = difflib.get_close_matches(word, list(choices), n=1)
    return f" — did you mean '{near[0]}'?" if near else ""


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


def _whole(value: Any, what: str) -> int:
    """A YAML integer (ASCII digits by YAML's own grammar), at most
    :data:`~cnncalc.number.MAX_DIGITS` digits long."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float):
            raise LayerError(f"{what} must be a whole number, got {value}")
        raise LayerError(f"{what} must be a whole number, got {_shown(value)}")
    return bounded(value, what)


def _shown(value: Any) -> str:
    """``repr(value)`` for a message (a string quoted), cut as :func:`_short` cuts."""
    return _short(value if not isinstance(value, str) else repr(value[: LINE + 1]))
