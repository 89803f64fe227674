"""``cnncalc solve``'s answer as text or JSON: the solutions found, smallest first."""

from __future__ import annotations

import json

from cnncalc.solve import LISTED, Solution


def render_json(solutions: list[Solution]) -> str:
    """A list of objects, one a line (each through the C encoder: ``indent=`` would
    switch to the pure Python one, and ``asdict`` copies deeply)."""
    if not solutions:
        return "[]\n"
    dump = json.JSONEncoder().encode
    rows = ",\n".join("  " + dump(dict(vars(s))) for s in solutions)
    return f"[\n{rows}\n]\n"


def more(limit: int) -> str:
    """The line that ends a list cut short by ``--limit`` (or by :data:`LISTED`)."""
    if limit < LISTED:
        return f"… more: pin --kernel/--stride or raise --limit ({limit})"
    return f"… more: pin --kernel/--stride (at most {LISTED:,} are listed)"


def render_text(
    size_in: int, size_out: int, solutions: list[Solution], transposed: bool, more: str = ""
) -> str:
    """A header line, then one row per solution; ``more`` ends the list when
    there are more solutions than shown."""
    head = f"{'kernel':>6} {'stride':>6} {'padding':>7} {'dilation':>8}"
    head += f" {'output_padding':>14}" if transposed else "  tiles exactly"
    lines = [f"{size_in} → {size_out}", head]
    for s in solutions:
        row = f"{s.kernel:>6} {s.stride:>6} {s.padding:>7} {s.dilation:>8}"
        row += f" {s.output_padding:>14}" if transposed else f"  {'yes' if s.exact else 'no'}"
        lines.append(row)
    if more:
        lines.append(more)
    return "\n".join(lines) + "\n"
