"""Presets: YAML spec files shipped inside the package, in the user format.

A preset is found by its file name; nothing is parsed until it is asked for.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def _folder() -> Traversable:
    return resources.files(__name__)


def names() -> list[str]:
    return sorted(p.name[: -len(".yaml")] for p in _folder().iterdir() if p.name.endswith(".yaml"))


def find(name: str) -> Traversable | None:
    """The preset's file, or None. Case-insensitive; '-' and '_' are the same."""
    wanted = name.lower().replace("_", "-")
    for candidate in (wanted, wanted.replace("-", "_")):
        path = _folder() / f"{candidate}.yaml"
        if path.is_file():
            return path
    return None


def read(name: str) -> str:
    path = find(name)
    if path is None:
        raise KeyError(name)
    return path.read_text(encoding="utf-8")
