"""User text made safe to show: the one place that decides what a name, a
description or an echoed source line may put on a terminal or into an SVG.

A spec is often someone else's file. Its names reach the table, ``--explain``,
Markdown, CSV and error messages; a raw ESC there could clear the screen, set
the window title or write the clipboard (OSC 52), and a bidi override could make
the text read differently from what it is. :func:`printable` shows every such
character as a Python-style escape instead (``\\x1b``, ``\\u202e``), so what is
shown is what the file holds. :func:`xml_text` also makes the text legal in XML
1.0 character data and attribute values.

This module imports nothing heavy: the error path uses it on every failing call.
"""

from __future__ import annotations

import re
from functools import cache

_CONTROLS = "\x00-\x1f"  # C0 controls (tab and newline too: one cell, one line)
_OTHERS = (
    "\x7f-\x9f"  # DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates: not encodable, so not writable either
)


@cache
def _pattern(which: str) -> re.Pattern[str]:
    """Compiled on first use: most calls find nothing to escape and never need one
    (compiling these took a tenth of a JSON call's own time)."""
    chars = {"unsafe": _CONTROLS + _OTHERS, "json": _OTHERS, "xml": "\ufffe\uffff"}[which]
    return re.compile(f"[{chars}]")


_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters (C0, DEL, C1), bidi formatting
    characters, line separators and lone surrogates written as escapes.

    Everything else, including any other non-ASCII letter, is kept as it is.
    Backslashes are kept too: this is for showing, not for reading back
    (the JSON is the exact record)."""
    if text.isprintable():  # no Cc, Cf, Cs, Zl or Zp character: nothing to escape
        return text
    return _pattern("unsafe").sub(_escape, text)


_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def xml_text(text: str) -> str:
    """``text`` for XML 1.0 character data or a quoted attribute value:
    :func:`printable`, then U+FFFE and U+FFFF (the other characters XML
    forbids are already escaped) as escapes, then markup characters as entities."""
    shown = _pattern("xml").sub(_escape, printable(text))
    return shown.translate(_MARKUP)


def width(text: str) -> int:
    """Terminal columns ``text`` takes (text already :func:`printable`): wide East
    Asian characters take two, combining marks and format characters none."""
    if text.isascii():
        return len(text)
    import unicodedata

    columns = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        columns += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return columns


def json_text(document: str) -> str:
    """A JSON document with the same characters :func:`printable` escapes (those
    JSON leaves raw: DEL, C1, bidi, separators, lone surrogates) as ``\\uXXXX``:
    the same data, and nothing that drives a terminal when it is printed."""
    if document.isascii() and "\x7f" not in document:  # a scan in C, 40 MB in 2 ms
        return document
    # what JSON leaves raw (not C0: the newlines between its lines are structure,
    # and JSON writes a control character inside a string as an escape already)
    return _pattern("json").sub(_json_escape, document)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
