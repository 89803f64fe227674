"""The layer kinds: one home per kind, one module per family.

Each family module (:mod:`.convolution`, :mod:`.pooling`, :mod:`.dense`,
:mod:`.normalisation`, :mod:`.elementwise`, :mod:`.reshaping`, :mod:`.tokens`,
:mod:`.joins`) declares its
kinds with everything cnncalc needs of them (:class:`~.base.Kind`): words,
argument grammar, options, rule, ``--explain`` lines and PyTorch code. Adding a
kind is one entry in its family's ``KINDS``; this module collects them.
"""

from __future__ import annotations

from cnncalc.kinds import (
    attention,
    channels,
    convolution,
    dense,
    elementwise,
    joins,
    normalisation,
    pooling,
    reshaping,
    tokens,
)
from cnncalc.kinds.base import (
    WHOLE,
    Arg,
    Compare,
    Count,
    Kind,
    Outcome,
    Rational,
    Reach,
    axis_names,
)

__all__ = [
    "KINDS",
    "NAMES",
    "WHOLE",
    "WINDOWED",
    "Arg",
    "Compare",
    "Count",
    "Kind",
    "Outcome",
    "Rational",
    "Reach",
    "axis_names",
    "lookup",
]

FAMILIES = (
    convolution,
    pooling,
    dense,
    reshaping,
    channels,
    tokens,
    attention,
    normalisation,
    elementwise,
    joins,
)

KINDS: dict[str, Kind] = {kind.name: kind for family in FAMILIES for kind in family.KINDS}
"""Every kind by its canonical name."""

WINDOWED = frozenset(kind.name for kind in KINDS.values() if kind.windowed)
"""Kinds that slide a window (a kernel with a stride) over their input."""

NAMES: dict[str, str] = {
    alias: kind.name for kind in KINDS.values() for alias in (kind.name, *kind.aliases)
}
"""Every keyword and alias, lower case, to its kind's canonical name."""


def lookup(word: str) -> Kind | None:
    name = NAMES.get(word.lower())
    return KINDS[name] if name else None
