"""Presets: YAML spec files shipped inside the package, in the user format.

A preset is found by its file name; nothing is parsed until it is asked for.
"""

from __future__ import annotations

import re
from importlib import resources

_SUFFIX = ".yaml"
_NAME = re.compile(r"[A-Za-z0-9][\w.-]{0,63}")


def names() -> list[str]:
    files = resources.files(__name__).iterdir()
    return sorted(p.name[: -len(_SUFFIX)] for p in files if p.name.endswith(_SUFFIX))


def find(name: str) -> str | None:
    """The preset's canonical name, or None. Case-insensitive; '-' and '_' match."""
    if not _NAME.fullmatch(name):
        return None
    wanted = name.lower().replace("_", "-")
    for candidate in (wanted, wanted.replace("-", "_")):
        if resources.files(__name__).joinpath(candidate + _SUFFIX).is_file():
            return candidate
    return None


def read(name: str) -> str:
    found = find(name)
    if found is None:
        raise KeyError(name)
    text: str = resources.files(__name__).joinpath(found + _SUFFIX).read_text(encoding="utf-8")
    return text
