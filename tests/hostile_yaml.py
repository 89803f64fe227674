"""Hostile YAML documents (issue 11): alias bombs in every place a spec file reads,
recursive aliases, deep nesting, many keys, duplicate keys and tags.

Used by tests/test_hostile_yaml.py (exit codes, one-line errors) and by
benchmarks/hostile_yaml.py (time and peak memory of each, as a user runs it).
"""

from __future__ import annotations


def bomb(levels: int = 9, width: int = 10, mapping: bool = False) -> tuple[list[str], str]:
    """Lines defining ``&a0`` … ``&a{levels-1}`` under ``notes:``: the last expands
    to width**levels items from a file of about 600 bytes. Returns the lines and
    the alias of the biggest."""
    lines = ["notes:"]
    if mapping:
        lines.append("  - &a0 {" + ", ".join(f"k{i}: x" for i in range(width)) + "}")
    else:
        lines.append("  - &a0 [" + ", ".join(["x"] * width) + "]")
    for n in range(1, levels):
        if mapping:
            lines.append(
                f"  - &a{n} {{" + ", ".join(f"k{i}: *a{n - 1}" for i in range(width)) + "}"
            )
        else:
            lines.append(f"  - &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    return lines, f"*a{levels - 1}"


def _with_bomb(rest: str, mapping: bool = False) -> str:
    lines, alias = bomb(mapping=mapping)
    return "\n".join(lines) + "\n" + rest.replace("BOMB", alias) + "\n"


BLOCK = "blocks:\n  b:\n    params: {w: 1}\n    layers: [relu]\n"

ALIAS_BOMBS: dict[str, str] = {
    "notes only": _with_bomb("layers: [relu]"),
    "input": _with_bomb("input: BOMB\nlayers: [relu]"),
    "input as mapping": _with_bomb("input: BOMB\nlayers: [relu]", mapping=True),
    "description": _with_bomb("description: BOMB\nlayers: [relu]"),
    "name": _with_bomb("name: BOMB\nlayers: [relu]"),
    "block params": _with_bomb("blocks:\n  b:\n    params: BOMB\n    layers: [relu]\nlayers: [b]"),
    "block params, mapping": _with_bomb(
        "blocks:\n  b:\n    params: BOMB\n    layers: [relu]\nlayers: [{b: {}}]", mapping=True
    ),
    "block argument": _with_bomb(BLOCK + "input: 3\nlayers:\n  - b: {w: BOMB}"),
    "block argument in a stage": _with_bomb(
        "blocks:\n  b:\n    params: [w]\n    layers: ['fc {w}']\n"
        "input: 3\nlayers:\n  - b: {w: BOMB}"
    ),
    "times": _with_bomb("input: 3\nlayers:\n  - repeat: {times: BOMB, layers: [relu]}"),
    "field value": _with_bomb("input: 3\nlayers:\n  - conv: {filters: BOMB, kernel: 3}"),
    "kernel list": _with_bomb("input: 3\nlayers:\n  - conv: {filters: 2, kernel: BOMB}"),
    "table": _with_bomb("input: 3x8x8\nlayers:\n  - conv: {filters: 2, kernel: 3, table: BOMB}"),
    "layer name": _with_bomb("input: 3\nlayers:\n  - relu: {name: BOMB}"),
    "group name": _with_bomb("input: 3\nlayers:\n  - group: {name: BOMB, layers: [relu]}"),
    "layer argument list": _with_bomb("input: 3\nlayers:\n  - fc: BOMB"),
    "key": _with_bomb("layers: [relu]\nsource: {? BOMB : 1}"),
    "layers": _with_bomb("input: 3\nlayers: BOMB"),
    "layers of mappings": _with_bomb("input: 3\nlayers: [BOMB]", mapping=True),
    "block body": _with_bomb("blocks:\n  b:\n    layers: BOMB\ninput: 3\nlayers:\n  - b:"),
}

RECURSIVE: dict[str, str] = {
    "layers": "layers: &l [relu, *l]\n",
    "layers, mapping": "layers:\n  - &l {group: {layers: [*l]}}\n",
    "notes": "notes: &n [a, *n]\nlayers: [relu]\n",
    "notes, mapping": "notes: &n {a: *n}\nlayers: [relu]\n",
    "params": "blocks:\n  b:\n    params: &p {w: *p}\n    layers: [relu]\nlayers: [b]\n",
    "input": "input: &i [3, *i]\nlayers: [relu]\n",
    "field": "input: 3\nlayers:\n  - conv: &f {filters: *f, kernel: 3}\n",
}

DUPLICATES: dict[str, tuple[str, str]] = {
    "field": ("layers:\n  - conv: {filters: 8, stride: 1, kernel: 3, stride: 2}\n", "stride"),
    "top": ("layers: [relu]\nname: a\nname: b\n", "name"),
    "notes": ("notes: {a: 1, a: 2}\nlayers: [relu]\n", "a"),
    "block args": (BLOCK + "layers:\n  - b: {w: 1, w: 2}\n", "w"),
    "blocks": (BLOCK + "  b:\n    layers: [tanh]\nlayers: [b]\n", "b"),
}

TAGS: dict[str, tuple[str, str]] = {
    "binary": ("layers: [relu]\nnotes: !!binary aGVsbG8=\n", "!!binary"),
    "timestamp": ("layers: [relu]\nnotes: !!timestamp 2001-12-14\n", "!!timestamp"),
    "implicit date": ("layers: [relu]\nnotes: 2001-12-14\n", "2001-12-14"),
    "set": ("layers: [relu]\nnotes: !!set {a, b}\n", "!!set"),
    "omap": ("layers: [relu]\nnotes: !!omap [a: 1]\n", "!!omap"),
    "python": ("layers: [relu]\nnotes: !!python/object/apply:os.system [true]\n", "!!python"),
    "python name": ("layers: [!!python/name:os.system relu]\n", "!!python"),
    "custom": ("layers: [relu]\nname: !foo x\n", "!foo"),
    "custom in layers": ("layers: [!foo relu]\n", "!foo"),
    "merge": (
        "input: 3\nlayers:\n  - fc: &d {units: 4}\n  - fc: {<<: *d, bias: false}\n",
        "<<",
    ),
}


def deep(levels: int, flow: bool) -> str:
    if flow:
        return "notes: " + "[" * levels + "]" * levels + "\nlayers: [relu]\n"
    lines = ["notes:"] + [" " * (2 * i + 2) + "-" for i in range(levels)]
    return "\n".join(lines) + " x\nlayers: [relu]\n"


def deep_blocks(levels: int) -> str:
    """Groups inside groups, in block style: deeper than --max-depth allows."""
    lines = ["input: 3", "layers:"]
    for i in range(levels):
        pad = "  " * (2 * i + 1)
        lines.append(f"{pad}- group:")
        lines.append(f"{pad}    layers:")
    lines.append("  " * (2 * levels + 1) + "- relu")
    return "\n".join(lines) + "\n"


def many_keys(count: int) -> str:
    return "notes:\n" + "".join(f"  k{i}: {i}\n" for i in range(count)) + "layers: [relu]\n"


OTHERS: dict[str, str] = {
    "deep flow nesting": deep(2000, flow=True),
    "deep block nesting": deep(3000, flow=False),
    "deep groups": deep_blocks(200),
    "many keys": many_keys(200_000),
}
