"""A YAML document's blocks: ``blocks:`` definitions, their uses, and the
constructs' keys (:mod:`cnncalc.constructs` says which keys, parts and paths)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from cnncalc.constructs import Construct
from cnncalc.errors import LayerError
from cnncalc.kinds import lookup
from cnncalc.layer import (
    Block,
    BlockKind,
    Node,
    Origin,
)
from cnncalc.readers.spec import (
    depth_message,
    freeze,
)
from cnncalc.readers.templates import _near, _whole
from cnncalc.readers.yamlsafety import BLOCK_KEYS, Checked, Env, _short


class Blocks(Checked):
    """A document's blocks: the named, parameterised ones of ``blocks:`` (defined
    once, used by name) and each construct's key (``residual:``, ``concat:`` …)."""

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

    def block(
        self, construct: Construct, key_node: yaml.Node, node: yaml.Node, env: Env
    ) -> tuple[Node, ...]:
        """A construct's key (``repeat: {times, layers}``, ``residual: {body, shortcut}``,
        ``concat: [[...], ...]``…): its paths under the keys its construct names, or a
        bare list where it takes one; any block with ``trainable: false`` freezes
        every layer inside. ``repeat`` with ``times: 0`` is nothing: left out, its
        layers not read (a family's variant leaves out the parts that it has not).
        ``repeat`` with ``index: k`` is its layers written out ``times`` times, each
        copy reading ``{k}`` as its number (0, 1, …): see :meth:`indexed`."""
        word = str(key_node.value)
        self.enter(key_node)
        if construct.yaml_list is not None and isinstance(node, yaml.SequenceNode):
            parts = {construct.yaml_list: node}
        elif isinstance(node, yaml.MappingNode):
            parts = {str(k.value): v for k, v in node.value}
        else:
            raise self.error(construct.yaml_help, node)
        allowed = {"name", "trainable"} | set(construct.yaml_parts)
        if construct.repeats:
            allowed.add("index")
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
            if times < 0:
                raise self.error(f"times must be at least 0, got {times}", parts["times"])
            shared = self.value(parts["shared"], env) if "shared" in parts else False
            if not isinstance(shared, bool):
                raise self.error(f"shared is true or false, not {_short(shared)}", parts["shared"])
        if times == 0:
            self.depth -= 1
            return ()
        if "index" in parts:
            nodes = self.indexed(parts, times, shared, env)
            self.depth -= 1
            if name is not None:
                nodes = (Block(BlockKind.SEQ, (nodes,), 1, name, origin),)
            if not trainable:  # freeze's own rule for each layer, as inside a block
                nodes = freeze(Block(BlockKind.SEQ, (nodes,))).parts[0]
            return nodes
        if construct.max_paths is None:  # branches: one list of them
            branches = parts["branches"]
            if not isinstance(branches, yaml.SequenceNode) or not branches.value:
                raise self.error(construct.yaml_help, branches)
            paths = tuple(self.branch(b, env) for b in branches.value)
        else:
            keys = [key for key in construct.yaml_paths if key in parts]
            paths = tuple(self.sequence(parts[key], env) for key in keys)
            for key, path in zip(keys, paths, strict=True):
                if not path:  # as the string form: only a branch may be empty
                    raise self.error(
                        f"{word}: '{key}' is empty: a layer is missing here — "
                        f"{construct.yaml_help}",
                        parts[key],
                    )
        self.depth -= 1
        block = Block(construct.kind, paths, times, name, origin, shared)
        return (block,) if trainable else (freeze(block),)

    def indexed(
        self, parts: Mapping[str, yaml.Node], times: int, shared: bool, env: Env
    ) -> tuple[Node, ...]:
        """``repeat: {times: 3, index: k, layers: [cnblock: {i: "{k+3}"}]}``: the
        layers once for each k from 0 to times - 1, as if written out one after the
        other (no block of their own: a ``name:`` wraps them in a group). Each copy
        is its own layers (ConvNeXt's and EfficientNet's per-block stochastic-depth
        rates), so ``shared: true`` cannot go with it. Nothing is evaluated but the
        templates that read ``{k}``."""
        word = self.plain(parts["index"])
        if not isinstance(word, str) or not word.isidentifier():
            raise self.error(
                f"index names the copy's number: a word, not {_short(word)}", parts["index"]
            )
        if shared:
            raise self.error(
                "a repeat with 'index:' has copies of its own: not shared", parts["index"]
            )
        if "layers" not in parts:
            raise self.error("repeat needs 'layers:'", parts["index"])
        nodes: list[Node] = []
        for k in range(times):
            path = self.sequence(parts["layers"], {**env, word: k})
            if not path:
                raise self.error(
                    "repeat: 'layers' is empty: a layer is missing here", parts["layers"]
                )
            nodes.extend(path)
        return tuple(nodes)

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
        local = {**self.globals, **defaults, **args}  # a variant's parameters beneath
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

    def sequence(self, node: yaml.Node, env: Env) -> tuple[Node, ...]:
        raise NotImplementedError  # the document reader's

    def value(self, node: yaml.Node, env: Env) -> Any:
        raise NotImplementedError  # the document reader's
