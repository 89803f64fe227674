"""Branches on one input: ``cat[ a ; b ]``, ``split[ a ; b ]``, ``catcrop[ a ; b ]``
joined on the channels, and ``sum[ a ; b ]`` added.

Every branch reads the block's input (a split's branches each their equal
share of its channels), an empty branch is the identity, and the ends are
concatenated on the channel axis by :func:`cnncalc.joining.cat_shape` (a
crop-concat first centre-crops each end to the smallest size,
:func:`cnncalc.joining.crop_cat_shape`): the rules of ``cat NAME`` and
``catcrop NAME`` too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

from cnncalc import joining
from cnncalc.constructs.base import Construct, Graph, State, end_shape, rank_note, shown
from cnncalc.joining import Misfit
from cnncalc.layer import Block, BlockKind, Shape, features_last
from cnncalc.receptive import Field, cropped_fields, widest

if TYPE_CHECKING:
    from cnncalc.report import BlockReport, Row

CONCAT = '''
class Concat(nn.Module):
    """Branches on the same input, concatenated on the channel axis."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)
'''

SPLIT = '''
class Split(nn.Module):
    """Each branch on its equal share of the channels, concatenated (ShuffleNetV2)."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        shares = x.chunk(len(self.branches), dim=1)
        return torch.cat([branch(s) for branch, s in zip(self.branches, shares)], dim=1)
'''

CROP_CONCAT = '''
class CropConcat(nn.Module):
    """Branches on the same input, each centre-cropped to the smallest size on every
    axis (U-Net's skips), concatenated on the channel axis."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return crop_cat([branch(x) for branch in self.branches])
'''


class Concat(Construct):
    kind = BlockKind.CAT
    word = "cat"
    yaml_keys: ClassVar[tuple[str, ...]] = ("concat", "cat")
    yaml_parts = ("branches",)
    yaml_list: ClassVar[str | None] = "branches"
    yaml_help = "concat: [[...], [...], []] — a list of branches, [] for the identity"
    max_paths = None
    empty_paths = True
    label = "cat"
    title: ClassVar[str | None] = "concat"
    footer = "the concatenation"
    sign = ("cat", "‖")
    helper = ("Concat", CONCAT)

    def combine(self, block: Block, state: State, ends: list[State]) -> tuple[State, Shape]:
        shapes = tuple(end[0] for end in ends)
        for j, shape in enumerate(shapes, 1):
            if features_last(shape) and self.kind is not BlockKind.SUM:
                raise self.error(
                    block,
                    f"{self.word}[...] joins channels-first maps, but branch {j} gives "
                    f"{shown(shape)} with its features last: end it with 'untokens'",
                )
        try:
            out = self.rule(shapes)
        except Misfit as misfit:
            raise self.error(block, self.misfit(shapes, misfit.index)) from None
        return (out, self.field(ends, out)), out

    def rule(self, shapes: tuple[Shape, ...]) -> Shape:
        """The join's one shape rule (:mod:`cnncalc.joining`), the named join's too."""
        return joining.cat_shape(shapes)

    def misfit(self, shapes: tuple[Shape, ...], j: int) -> str:
        """What to say when branch ``j`` (from 0) does not fit the rule."""
        shape, first = shapes[j], shapes[0]
        return (
            f"cannot concatenate: branch {j + 1} gives {shown(shape)} but branch 1 gives "
            f"{shown(first)}{rank_note(shape, first)}; all but the channel size must agree"
        )

    def field(self, ends: list[State], out: Shape) -> Field:
        """The output's receptive field: the union of the branches'."""
        return widest([end[1] for end in ends])

    def path_labels(self, block: BlockReport) -> list[tuple[str, tuple[Row, ...]]] | None:
        return [(f"branch {j}", part) for j, part in enumerate(block.parts, 1)]

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        ends = tuple(graph.seq(part, x) if part else x for part in block.parts)
        return graph.join("cat", block, ends)


SUM = '''
class Sum(nn.Module):
    """Branches on the same input, summed (RepVGG's training-time block)."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        y = self.branches[0](x)
        for branch in self.branches[1:]:
            y = y + branch(x)
        return y
'''


class Sum(Concat):
    """``sum[ a ; b ; c ]``: every branch on the block's input, summed; an empty
    branch is the identity (RepVGG: ``sum[ conv 64x3x3 p1 | bn ; conv 64x1x1 | bn
    ; bn ]``). Its add is :func:`cnncalc.joining.add_shape`, ``add NAME``'s rule."""

    kind = BlockKind.SUM
    word = "sum"
    yaml_keys = ("sum",)
    yaml_help = "sum: [[...], [...], []] — a list of branches, summed; [] for the identity"
    label = "sum"
    title = None
    footer = "the sum"
    sign = ("sum", "⊕")
    helper = ("Sum", SUM)

    def rule(self, shapes: tuple[Shape, ...]) -> Shape:
        return joining.add_shape(shapes)

    def misfit(self, shapes: tuple[Shape, ...], j: int) -> str:
        return (
            f"cannot add: branch {j + 1} gives {shown(shapes[j])} but branch 1 gives "
            f"{shown(shapes[0])}; every branch must give the same shape"
        )

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        parts = block.parts  # as the helper runs it: each branch, then its add
        total = graph.seq(parts[0], x) if parts[0] else x
        for part in parts[1:]:
            total = graph.join("add", block, (total, graph.seq(part, x) if part else x))
        return total


class Split(Concat):
    kind = BlockKind.SPLIT
    word = "split"
    yaml_keys = ("split",)
    yaml_help = "split: [[], [...]] — a list of branches, each given its share of channels"
    label = "split"
    title = None
    sign = ("split", "‖")
    helper = ("Split", SPLIT)

    def inputs(self, block: Block, state: State) -> list[State]:
        x, branches = state[0], len(block.parts)
        if features_last(x):
            raise self.error(
                block, f"split[...] shares the channels of a channels-first map, not {shown(x)}'s"
            )
        if len(x) < 2 or x[0] % branches:
            what = "a vector" if len(x) < 2 else f"{x[0]} channels"
            raise self.error(
                block, f"cannot split {what} ({shown(x)}) into {branches} equal shares of channels"
            )
        return [((x[0] // branches, *x[1:]), state[1])] * branches

    def reads(self, block: BlockReport) -> Shape:
        x = block.input_shape
        return (x[0] // len(block.parts), *x[1:])

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        share = graph.numel_of(x) // len(block.parts)
        ends = []
        for part in block.parts:  # each share a view of x (chunk)
            ends.append(graph.seq(part, graph.join("chunk", block, (x,), share)))
        return graph.join("cat", block, tuple(ends))


class CropConcat(Concat):
    kind = BlockKind.CROP
    word = "catcrop"
    yaml_keys = ("catcrop",)
    yaml_help = "catcrop: [[...], [...]] — a list of branches, cropped to the smallest"
    label = "cat crop"
    title = None
    sign = ("cat crop", "‖")
    helper = ("CropConcat", CROP_CONCAT)

    def helpers(self) -> list[tuple[str, str]]:
        from cnncalc.kinds.joins import CROP_CAT  # the crop of the catcrop join, written once

        return [*super().helpers(), (CROP_CAT.name, CROP_CAT.source)]

    def rule(self, shapes: tuple[Shape, ...]) -> Shape:
        return joining.crop_cat_shape(shapes)

    def misfit(self, shapes: tuple[Shape, ...], j: int) -> str:
        return (
            f"cannot crop and concatenate: branch {j + 1} gives {shown(shapes[j])} and "
            f"branch 1 gives {shown(shapes[0])}; both need channels and the same spatial axes"
        )

    def field(self, ends: list[State], out: Shape) -> Field:
        return widest(cropped_fields(ends, out[1:]))  # a crop moves where a field starts

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        spatial = block.output_shape[1:]
        ends = []
        for part in block.parts:
            end, shape = graph.seq(part, x) if part else x, end_shape(part, block)
            if shape[1:] != spatial:  # a crop is a view
                end = graph.join("crop", block, (end,), shape[0] * math.prod(spatial))
            ends.append(end)
        return graph.join("cat", block, tuple(ends))


CONSTRUCTS = (Concat(), Split(), CropConcat(), Sum())
