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

from typing import Any

import yaml

from cnncalc import collector, number
from cnncalc.errors import LayerError, Location, SpecError
from cnncalc.kinds import Kind, grammar, lookup
from cnncalc.kinds.grammar import build
from cnncalc.layer import (
    DEFAULT_MAX_LAYERS,
    MAX_DEPTH,
    LayerSpec,
    Model,
    Node,
    Origin,
    Shape,
    leaves,
)
from cnncalc.readers.spec import (
    count_items,
    parse_stages,
    unknown_kind,
)
from cnncalc.readers.templates import _is_template, _near, _resolve, _substitute, _whole
from cnncalc.readers.yamlblocks import Blocks
from cnncalc.readers.yamlsafety import (
    BLOCK_KEYS,
    LINES_PER_LAYER,
    Env,
    _as_written,
    _clip,
    _plain,
    _reads_names,
    _short,
)

TOP_KEYS = ("name", "description", "input", "layers", "blocks", "source", "notes", "intended")
FAMILY_KEYS = ("variants",)
"""A presets' family file's keys besides (see :mod:`cnncalc.presets`)."""
VARIANT_KEYS = ("description", "input")
"""A variant's keys that are not parameters: they replace the document's own."""


def load(
    text: str,
    where: str = "<yaml>",
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_depth: int = MAX_DEPTH,
    variant: str | None = None,
) -> Model:
    """Parse a YAML document into a :class:`Model`; for a family file (one with
    ``variants:``), the model of the variant named ``variant``.

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
    reader = _Reader(text, where, max_layers, max_depth)
    reader.variant = variant
    return reader.model()


def variants(text: str, where: str = "<yaml>") -> list[str]:
    """A family file's variant names, in its order (none for a plain document)."""
    reader = _Reader(text, where)
    root = reader.root()
    if root is not None:
        reader.audit(root)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if str(key_node.value) == "variants" and isinstance(value_node, yaml.MappingNode):
            return [str(k.value) for k, _ in value_node.value]
    return []


def read(text: str, where: str, max_layers: int, max_depth: int) -> Model:
    """The reader of :data:`cnncalc.readers.YAML`: :func:`load`."""
    return load(text, where, max_layers, max_depth)


def _parameter(value: Any) -> bool:
    """A variant's parameter: a number, text, or a flat list of them (no null)."""
    if isinstance(value, list):
        return all(_parameter(v) and not isinstance(v, list) for v in value)
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


class _Reader(Blocks):
    """One YAML document being read into a model."""

    variant: str | None = None

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
            if key not in TOP_KEYS and key not in FAMILY_KEYS:
                raise self.error(
                    f"unknown key '{_short(key)}'{_near(key, TOP_KEYS)}; a spec file has "
                    f"{', '.join(TOP_KEYS)}",
                    key_node,
                )
            top[key] = value_node
        if "layers" not in top:
            raise self.error("no 'layers:' list in this file", root)
        name, description = self.text_of(top.get("name"), "model"), top.get("description")
        shape = top.get("input")
        if "variants" in top:
            name, self.globals, chosen = self.pick(top["variants"])
            description = chosen.get("description", description)
            shape = chosen.get("input", shape)
        elif self.variant is not None:
            raise self.error(f"no 'variants:' here to choose '{_short(self.variant)}' from", root)
        if "blocks" in top:
            self.define(top["blocks"])
        layers_node = top["layers"]
        if not isinstance(layers_node, yaml.SequenceNode) or not layers_node.value:
            raise self.error("'layers:' must be a non-empty list", layers_node)
        if self.weight(layers_node, {}, 0) > self.max_items:
            raise self.too_many(layers_node)
        layers = self.sequence(layers_node, self.globals)
        if not layers:
            raise self.error("'layers:' is empty: every layer in it was left out", layers_node)
        return Model(
            layers=layers,
            name=name,
            input_shape=self.input(shape) if shape is not None else None,
            description=self.text_of(description, ""),
            intended=self.intended(top.get("intended")),
        )

    def intended(self, node: yaml.Node | None) -> tuple[tuple[str, str], ...]:
        """``intended: {features.0: torchvision's stem drops the last row}``: layer
        paths (as the table and JSON name them) whose findings are meant, each with
        why; the engine makes them notes and refuses a path that names no layer."""
        if node is None:
            return ()
        if not isinstance(node, yaml.MappingNode) or not node.value:
            raise self.error("'intended:' maps layer paths to why their findings are meant", node)
        found: dict[str, str] = {}
        for key_node, value_node in node.value:
            path = str(key_node.value)
            if not isinstance(value_node, yaml.ScalarNode) or not str(value_node.value).strip():
                raise self.error(f"'intended:' {_short(path)}: say why, as text", value_node)
            if path in found:
                raise self.error(f"'intended:' names {_short(path)} twice", key_node)
            found[path] = str(value_node.value)
        return tuple(found.items())

    def pick(self, node: yaml.Node) -> tuple[str, Env, dict[str, yaml.Node]]:
        """``variants: {resnet50: {depths: [3, 4, 6, 3], description: ...}}``: the
        chosen variant's name, parameters (numbers, text or lists of them, each
        name a word) and its ``description:``/``input:`` nodes."""
        if not isinstance(node, yaml.MappingNode) or not node.value:
            raise self.error("'variants:' maps variant names to their parameters", node)
        table = {str(k.value): (k, v) for k, v in node.value}
        if self.variant is None:
            shown = ", ".join(list(table)[:6]) + (", …" if len(table) > 6 else "")
            raise self.error(
                f"a family file: name one of its variants ({_short(shown)}) as a preset",
                node,
            )
        if self.variant not in table:
            raise self.error(
                f"no variant '{_short(self.variant)}'{_near(self.variant, table)}", node
            )
        key_node, body = table[self.variant]
        if not isinstance(body, yaml.MappingNode):
            raise self.error("a variant maps parameter names to values", body)
        chosen: dict[str, yaml.Node] = {}
        env: Env = {}
        for k_node, v_node in body.value:
            key = str(k_node.value)
            if key in VARIANT_KEYS:
                chosen[key] = v_node
                continue
            try:
                value = self.plain(v_node)
            except LayerError as exc:
                raise self.error(exc.message, v_node) from None
            if not key.isidentifier() or not _parameter(value):
                raise self.error(
                    f"a variant's parameter is a word with a number, text or a list of "
                    f"them; not '{_short(key)}: {_short(value)}'",
                    k_node,
                )
            env[key] = value
        return str(key_node.value), env, chosen

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
        if "{" in word and env:  # "{entry}": {planes: 64}: the block a parameter names
            word = _substitute(word, env)
        if word in BLOCK_KEYS and not _reads_names(word, value_node):
            return self.block(BLOCK_KEYS[word], key_node, value_node, env)
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
