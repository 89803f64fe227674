"""``side[ ... ]``: a branch ending in an output of its own (an auxiliary head);
the block's input goes on unchanged.

Its row shows the side output's shape; a name on the block names what goes on
(the input), and the branch's costs are also summed apart (``total.macs_main``
leaves them out). In the memory graph it is a ``side`` op that hands its input
on (a view) while reading the branch's end, as an auxiliary loss would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.constructs.base import Construct, Graph, State
from cnncalc.layer import Block, BlockKind, Shape

if TYPE_CHECKING:
    from cnncalc.report import BlockReport

HELPER = '''
class Side(nn.Module):
    """A side output (an auxiliary head): the branch runs on x and its result is
    kept as ``output``; x goes on unchanged."""

    def __init__(self, branch):
        super().__init__()
        self.branch = branch
        self.output = None

    def forward(self, x):
        self.output = self.branch(x)
        return x
'''


class Side(Construct):
    kind = BlockKind.SIDE
    word = "side"
    yaml_keys = ("side",)
    yaml_parts = ("layers",)
    yaml_list = "layers"
    yaml_help = "side: [gap, flatten, fc 10] — the side output's layers"
    too_many = "side[...] has one path: no ';'"
    side_output = True
    label = "side"
    sign = ("side output", "")
    identity_at = 0
    helper = ("Side", HELPER)
    nest = 1

    def path_names(self, block: Block | BlockReport) -> list[str]:
        return ["side"]

    def combine(self, block: Block, state: State, ends: list[State]) -> tuple[State, Shape]:
        return state, ends[0][0]

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        end = graph.seq(block.parts[0], x)
        return graph.join("side", block, (x, end), graph.numel_of(x))


CONSTRUCTS = (Side(),)
