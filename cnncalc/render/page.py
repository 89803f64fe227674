"""The HTML page's static parts: its style, its skeleton and its script.

They are package files in ``cnncalc/render/assets/`` (``page.css``, ``top.html``,
``bottom.html``, ``page.js``), read with :mod:`importlib.resources` the first
time a page is made, so an editor and ``node --check`` (run by CI) see them as
what they are. The script reads the two JSON blocks :mod:`cnncalc.render.html`
writes and builds everything else; it puts user text (names, specs,
descriptions) on the page through ``textContent`` and ``setAttribute`` only,
never as markup.

With ``#selfcheck`` in its address the page also checks itself (the numbers it
shows against the JSON, a click on a row selecting that layer in the diagram
and the reverse, folding) and writes the outcome as JSON into
``<pre id="selfcheck">``: what the browser tests read back. ``#layer=N`` opens
the page with layer N selected.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def asset(name: str) -> str:
    """One of the page's files, as text."""
    return (resources.files("cnncalc.render") / "assets" / name).read_text(encoding="utf-8")


def style() -> str:
    return "\n" + asset("page.css")


def top() -> str:
    return asset("top.html")


def bottom() -> str:
    return asset("bottom.html")


def script() -> str:
    return "\n" + asset("page.js")
