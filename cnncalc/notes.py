"""Findings that are true but harmless, told apart from warnings that matter.

A layer's rule returns its findings as strings; a :class:`Note` is one that
changes nothing the user computes (padding that the last window never reaches,
as on every stride-2 layer of torchvision's ResNets). The table leaves notes
out; ``--explain`` and the JSON's ``notes`` keep them.
"""

from __future__ import annotations


class Note(str):
    """A harmless finding: a ``str`` that says it is one."""

    __slots__ = ()


def split(findings: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(warnings, notes)``: the findings that matter, then the notes, as plain text."""
    warnings = tuple(str(f) for f in findings if not isinstance(f, Note))
    notes = tuple(str(f) for f in findings if isinstance(f, Note))
    return warnings, notes
