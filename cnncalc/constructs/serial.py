"""Paths run one after another: a named group, and ``[ ... ]*N`` (a repeat).

A group (a YAML block's body, ``group: {name, layers}``) is its layers in
order; a repeat runs its layers ``N`` times, each repetition with weights of
its own, or one module ``N`` times with ``shared`` (recurrent reuse: its
parameters count once, its MACs each time). The engine walks both as a
sequence; neither adds an op of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from cnncalc.constructs.base import Construct, Graph
from cnncalc.layer import Block, BlockKind

if TYPE_CHECKING:
    from cnncalc.report import BlockReport


class Group(Construct):
    kind = BlockKind.SEQ
    yaml_keys = ("group",)
    yaml_parts: ClassVar[tuple[str, ...]] = ("layers",)
    yaml_help = "group: {name: ..., layers: [...]}"
    serial = True
    label = "group"
    nest = 0

    def default_label(self, block: Block) -> str:
        return block.origin.title or "group"

    def canonical(self, inner: list[str], block: Block) -> str:
        return f"[{inner[0]}]*{block.count}"

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        for part in block.parts:
            x = graph.seq(part, x)
        return x


SHARED = '''
class Shared(nn.Module):
    """One module applied ``times`` times: its weights are shared (recurrent reuse)."""

    def __init__(self, body, times):
        super().__init__()
        self.body = body
        self.times = times

    def forward(self, x):
        for _ in range(self.times):
            x = self.body(x)
        return x
'''


class Repeat(Group):
    kind = BlockKind.REPEAT
    yaml_keys = ("repeat",)
    yaml_parts = ("layers", "times", "shared")
    yaml_help = "repeat: {times: N, layers: [...]}"
    repeats = True
    helper = ("Shared", SHARED)
    """Only a shared repeat needs it: the others are a Sequential of their repetitions."""
    nest = 1

    def torch(self, parts: list[str], block: BlockReport) -> str:
        return f"Shared({parts[0]}, {block.count})"

    def default_label(self, block: Block) -> str:
        return f"[…]×{block.count}" + (" shared" if block.shared else "")

    def canonical(self, inner: list[str], block: Block) -> str:
        return f"[{inner[0]}]*{block.count}" + (" shared" if block.shared else "")


CONSTRUCTS = (Group(), Repeat())
