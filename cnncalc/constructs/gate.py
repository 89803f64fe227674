"""``mul[ gate ]``: x · gate(x) (squeeze-and-excitation); ``mul[ a ; gate ]``:
a(x) · gate(x), both paths reading x (LR-ASPP).

The product is broadcast as torch broadcasts it (:func:`cnncalc.joining.mul_shape`,
the rule of ``mul NAME`` too): on every axis equal sizes or a size of 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc import joining, receptive
from cnncalc.constructs.base import Construct, Graph, State, shown
from cnncalc.joining import Misfit
from cnncalc.layer import Block, BlockKind, Shape

if TYPE_CHECKING:
    from cnncalc.report import BlockReport, Row

HELPER = '''
class Multiply(nn.Module):
    """x times its gate (squeeze-and-excitation: the gate's C×1×1 broadcast);
    given two paths, the first path's output times the gate's, both reading x."""

    def __init__(self, first, gate=None):
        super().__init__()
        self.trunk = first if gate is not None else nn.Identity()
        self.gate = gate if gate is not None else first

    def forward(self, x):
        return self.trunk(x) * self.gate(x)
'''


class Gate(Construct):
    kind = BlockKind.MUL
    word = "mul"
    yaml_keys = ("mul",)
    yaml_parts = ("layers", "trunk")
    yaml_list = "layers"
    yaml_paths = ("trunk", "layers")
    yaml_help = (
        "mul: [gap, conv 8x1x1, relu, conv 32x1x1, hardsigmoid] — the gate's layers "
        "(x times the gate); or mul: {trunk: [...], layers: [...]} (the trunk's output times "
        "the gate's)"
    )
    max_paths = 2
    too_many = "mul[...] has at most two paths (a ; gate): no more ';'"
    label = "mul"
    footer = "the gating multiply"
    sign = ("mul", "⊗")
    identity_at = 0
    helper = ("Multiply", HELPER)
    nest = 1

    def path_names(self, block: Block | BlockReport) -> list[str]:
        return ["0", "gate"] if len(block.parts) > 1 else ["gate"]

    def combine(self, block: Block, state: State, ends: list[State]) -> tuple[State, Shape]:
        trunk, gate = (ends[0], ends[1]) if len(ends) > 1 else (state, ends[0])
        try:
            out = joining.mul_shape((trunk[0], gate[0]))
        except Misfit:
            ones = "x".join(["1"] * (len(trunk[0]) - 1))
            want = f"{trunk[0][0]}x{ones}" if ones else str(trunk[0][0])
            what = "the first path gives" if len(ends) > 1 else "the input is"
            raise self.error(
                block,
                f"cannot multiply: the gate gives {shown(gate[0])} but {what} "
                f"{shown(trunk[0])}; each size must be equal or 1 (torch's broadcasting), as "
                f"in a gate of {want}",
            ) from None
        return (out, receptive.joined([trunk, gate], out)), out

    def path_labels(self, block: BlockReport) -> list[tuple[str, tuple[Row, ...]]] | None:
        if len(block.parts) < 2:
            return None
        return [("trunk", block.parts[0]), ("gate", block.parts[1])]

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        parts = block.parts
        trunk = graph.seq(parts[0], x) if len(parts) > 1 else x
        return graph.join("mul", block, (trunk, graph.seq(parts[-1], x)))


CONSTRUCTS = (Gate(),)
