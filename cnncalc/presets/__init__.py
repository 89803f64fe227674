"""Presets: YAML spec files shipped inside the package, in the user format.

A preset is found by its file name; nothing is parsed until it is asked for.
Plain ``os.path`` finds the files: ``importlib.resources`` would cost more to
import than the rest of a CLI call.
"""

from __future__ import annotations

import os
import re

FOLDER = os.path.dirname(os.path.abspath(__file__))
_SUFFIX = ".yaml"
_NAME = re.compile(r"[A-Za-z0-9][\w.-]{0,63}")


def names() -> list[str]:
    return sorted(f[: -len(_SUFFIX)] for f in os.listdir(FOLDER) if f.endswith(_SUFFIX))


def find(name: str) -> str | None:
    """The preset's file path, or None. Case-insensitive; '-' and '_' match."""
    if not _NAME.fullmatch(name):
        return None
    wanted = name.lower().replace("_", "-")
    for candidate in (wanted, wanted.replace("-", "_")):
        path = os.path.join(FOLDER, candidate + _SUFFIX)
        if os.path.isfile(path):
            return path
    return None


def read(name: str) -> str:
    path = find(name)
    if path is None:
        raise KeyError(name)
    with open(path, encoding="utf-8") as f:
        return f.read()
