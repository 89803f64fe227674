"""A spec of every layer kind, from its argument grammar, and the inputs of each
rank it is tried on: shared by the tests that loop over the registry."""

from __future__ import annotations

import math

from cnncalc.kinds import Arg, Kind

INPUTS = {0: (6,), 1: (6, 10), 2: (6, 10, 9), 3: (6, 6, 7, 5), -2: (6, 10)}
"""An input of each spatial rank (0: a vector of 6 features), 6 channels; at
:data:`SEQUENCE`, the 1-D input made a token sequence of 10 tokens of 6 features
by :data:`TO_SEQUENCE`."""
TOKENS = (12,)
SEQUENCE = -2
"""The pseudo-rank of a features-last input: a sequence of 10×6 tokens."""
TO_SEQUENCE = "permute 1,0 | "
"""What makes the sequence: (6, 10) channels first to (10, 6) features last."""


def example(kind: Kind, rank: int) -> str:
    """A spec of ``kind`` in the string syntax, from its argument grammar."""
    arg = {
        Arg.NONE: "",
        Arg.FILTERS_KERNEL: "4x" + "x".join("3" * max(rank, 1)),
        Arg.WINDOW: "2",
        Arg.OUTPUT_SIZE: "2",
        Arg.UNITS: "5",
        Arg.VOCAB_DIM: "20x4",
        Arg.RATE: "0.25",
        Arg.SLOPE: "0.25",
        Arg.NEIGHBOURS: "3",
        Arg.GROUPS: "3",  # of the 6 channels
        Arg.FACTOR: "2",
        # the input's values as (count/2)×2: 3x2 for a vector of 6, 30x2 for 6×10…
        Arg.PADS: "0:1",
        Arg.SHAPE: f"{math.prod(INPUTS.get(rank, TOKENS)) // 2}x2",
        Arg.REF: "x",  # the output named x by the relu before it (see READS)
        Arg.HEADS: "3",  # of the 6 features: 3 heads of 2
        # the features to the other end: 1,2,…,0 channels first, 1,0 from a sequence
        Arg.ORDER: "1,0" if rank == SEQUENCE else ",".join([*map(str, range(1, rank + 1)), "0"]),
        Arg.INDEX: "1",
        Arg.GRID: "2x5",  # the sequence's 10 tokens
        Arg.TABLE: "12",  # a table of 12 positions (or segments) for the 10 tokens
    }[kind.arg]
    prefix = TO_SEQUENCE if rank == SEQUENCE else ""
    written = f"{kind.name} {arg}".strip() + NEEDS.get(kind.name, "")
    return prefix + (READS if kind.arg is Arg.REF else "") + written


NEEDS = {"windowattention": " w2"}
"""The options a kind cannot do without: windowed attention's window (of the
sequence's 10 tokens, 5 windows of 2)."""


READS = "relu as x | "
"""What a kind that reads a named output (``add x``) reads: a relu's output, named x."""
