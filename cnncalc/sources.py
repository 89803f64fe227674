"""Turning the command-line argument into a model: file, preset, stdin or string."""

from __future__ import annotations

import os
import re
import sys

from cnncalc import presets
from cnncalc.errors import Location, SpecError
from cnncalc.layer import DEFAULT_MAX_LAYERS, MAX_DEPTH, Model

_LOOKS_LIKE_YAML = r"^\s*(layers|name|input|blocks)\s*:"  # compiled by re on first use

DEFAULT_MAX_BYTES = 16 * 2**20
"""The largest spec or YAML text read (16 MiB); ``--max-bytes`` raises it."""


def load(
    argument: str,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Model:
    """An existing file is YAML; a known preset name is a preset; ``-`` reads
    stdin (YAML or a spec string); anything else is a spec string."""
    if argument == "-":
        text = sys.stdin.read(max_bytes + 1)
        return from_text(text, "<stdin>", max_layers, max_bytes, max_depth)
    if os.path.isfile(argument):
        text = read_file(argument, max_bytes)
        return from_yaml(text, argument, max_layers, max_bytes, max_depth)
    if presets.find(argument) is not None:
        return presets.load(argument, max_layers)
    if argument.lower().endswith((".yaml", ".yml")):
        raise SpecError(f"no such file: {argument}", Location(argument, 0, len(argument)))
    check_size(argument, "the spec", max_bytes)
    return _parse_string(argument, max_depth)


def from_text(
    text: str,
    where: str,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Model:
    check_size(text, where, max_bytes)
    if re.search(_LOOKS_LIKE_YAML, text, re.MULTILINE):
        return from_yaml(text, where, max_layers, max_bytes, max_depth)
    if not text.strip():
        raise SpecError(f"{where} is empty: expected a spec string or YAML")
    return _parse_string(text.strip(), max_depth)


def _parse_string(text: str, max_depth: int) -> Model:
    from cnncalc import spec  # the parser is imported only when a string is read

    return spec.parse(text, max_depth=max_depth)


def from_yaml(
    text: str,
    where: str,
    max_layers: int = DEFAULT_MAX_LAYERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Model:
    from cnncalc import yamlspec  # PyYAML is imported only when YAML is read

    check_size(text, where, max_bytes)
    return yamlspec.load(text, where, max_layers, max_depth)


def check_size(text: str, where: str, max_bytes: int) -> None:
    if len(text) > max_bytes:
        raise SpecError(
            f"{where} is longer than the limit of {max_bytes:,} characters "
            "(raise it with --max-bytes)"
        )


def read_file(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, at most ``max_bytes`` + 1 characters of it; read, never run."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(max_bytes + 1)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SpecError(f"cannot read {path}: {reason}") from None
