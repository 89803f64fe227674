"""Pausing Python's cyclic garbage collector while cnncalc makes many objects.

Reading, analysing and rendering a network make objects by the hundred thousand
and no reference cycles worth collecting: left on, the collector rescans them
again and again (a third of the time on a 100,000-layer network). Every phase
that makes many objects pauses it here, so library callers get the same speed
as the CLI, which pauses it once for its whole run.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block, as it was after it (nesting is free)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def off() -> None:
    """The collector off for the rest of the process: for the CLI, a short run
    that ends (and frees everything) when its answer is written."""
    gc.disable()
