"""``cnncalc solve``'s answer as text or JSON: the solutions found, smallest first."""

from __future__ import annotations

import json
from dataclasses import asdict

from cnncalc.solve import Solution


def render_json(solutions: list[Solution]) -> str:
    return json.dumps([asdict(s) for s in solutions], indent=2) + "\n"


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
