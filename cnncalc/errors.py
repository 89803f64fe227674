"""Errors a user can cause, and where in their input they caused them.

Every error cnncalc raises for bad input is a :class:`SpecError`. It carries a
:class:`Location` so that the CLI can print one message line followed by the
offending source line with a caret under the token, the way a compiler would.
"""

from __future__ import annotations

from cnncalc.record import Record

LONG = 200
"""An echoed source line longer than this (a spec of megabytes on one line) is
cut to :data:`CONTEXT` characters either side of at most :data:`SPAN` of the token."""
CONTEXT = 60
SPAN = 80


class Location(Record):
    """A span of one line of user input.

    ``where`` names the line when it comes from a file (``net.yaml:7``); for a
    spec given on the command line it is empty.
    """

    _compared = ("line", "start", "end", "where")
    __slots__ = _compared

    def __init__(self, line: str, start: int, end: int, where: str = "") -> None:
        self.line = line
        self.start = start
        self.end = end
        self.where = where

    def caret(self) -> str:
        """The source line and a ``^^^`` marker under ``[start, end)``.

        The line is shown :func:`~cnncalc.escape.printable` (a control character
        in it becomes ``\\x1b``), and the marker is placed by the columns the
        escaped text takes, so it stays under the token. A line longer than
        :data:`LONG` characters is cut to the part around the token."""
        from cnncalc.escape import printable, width

        line = self.line
        start = min(max(self.start, 0), len(line))
        end = min(max(self.end, start), len(line))
        low, high, stop = 0, len(line), end
        if len(line) > LONG:
            stop = min(end, start + SPAN)
            low = max(0, start - CONTEXT)
            high = min(len(line), max(stop, start + 1) + CONTEXT)
        before = ("…" if low else "") + printable(line[low:start])
        token = printable(line[start:stop])
        after = printable(line[stop:high]) + ("…" if high < len(line) else "")
        marker = "^" * max(width(token), 1)
        return f"  {before}{token}{after}\n  {' ' * width(before)}{marker}"


class SpecError(Exception):
    """Bad input: a spec, a YAML file, an option value. The CLI exits 2 on it."""

    def __init__(
        self, message: str, location: Location | None = None, layer: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.layer = layer

    def __str__(self) -> str:
        """The headline: what a traceback's last line and ``str(error)`` say is
        the first line the CLI prints, without its ``error:``."""
        return self.headline()

    def headline(self) -> str:
        """One line: where, which layer, what is wrong."""
        parts = []
        if self.location is not None and self.location.where:
            parts.append(self.location.where)
        if self.layer:
            parts.append(self.layer)
        parts.append(self.message)
        return ": ".join(parts)

    def render(self) -> str:
        """The headline, then the source line with a caret when one is known;
        control and bidi characters from the user's text are shown escaped."""
        from cnncalc.escape import printable

        text = f"error: {printable(self.headline())}"
        if self.location is not None and self.location.line:
            text += "\n" + self.location.caret()
        return text


class LayerError(Exception):
    """Raised by a layer rule; the engine adds the layer's name and location.

    ``field`` names the part of the layer that is wrong (``"groups"``,
    ``"size"``...), so that the caret can point at that token, not the whole layer.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
