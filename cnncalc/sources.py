"""Turning the command-line argument into a model: file, preset, stdin or string."""

from __future__ import annotations

import os
import re
import sys

from cnncalc import presets, spec
from cnncalc.errors import Location, SpecError
from cnncalc.layer import Model

_LOOKS_LIKE_YAML = re.compile(r"^\s*(layers|name|input)\s*:", re.MULTILINE)


def load(argument: str) -> Model:
    """An existing file is YAML; a known preset name is a preset; ``-`` reads
    stdin (YAML or a spec string); anything else is a spec string."""
    if argument == "-":
        return from_text(sys.stdin.read(), "<stdin>")
    if os.path.isfile(argument):
        return from_yaml(read_file(argument), argument)
    if presets.find(argument) is not None:
        return from_yaml(presets.read(argument), f"preset {argument}")
    if argument.lower().endswith((".yaml", ".yml")):
        raise SpecError(f"no such file: {argument}", Location(argument, 0, len(argument)))
    return spec.parse(argument)


def from_text(text: str, where: str) -> Model:
    if _LOOKS_LIKE_YAML.search(text):
        return from_yaml(text, where)
    if not text.strip():
        raise SpecError(f"{where} is empty: expected a spec string or YAML")
    return spec.parse(text.strip())


def from_yaml(text: str, where: str) -> Model:
    from cnncalc import yamlspec  # PyYAML is imported only when YAML is read

    return yamlspec.load(text, where)


def read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SpecError(f"cannot read {path}: {reason}") from None
