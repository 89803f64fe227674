"""``res[ body ; shortcut ]``: body(x) + shortcut(x), the shortcut defaulting to x.

Its add is :func:`cnncalc.joining.add_shape`, the rule of ``add NAME`` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc import joining
from cnncalc.constructs.base import Construct, Graph, State, shown
from cnncalc.joining import Misfit
from cnncalc.layer import Block, BlockKind, Shape, features_last
from cnncalc.receptive import widest

if TYPE_CHECKING:
    from cnncalc.report import BlockReport, Row

HELPER = '''
class Residual(nn.Module):
    """body(x) + shortcut(x); the shortcut defaults to the identity."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x):
        return self.body(x) + self.shortcut(x)
'''


class Residual(Construct):
    kind = BlockKind.RES
    word = "res"
    yaml_keys = ("residual", "res")
    yaml_parts = ("body", "shortcut")
    yaml_paths = ("body", "shortcut")
    yaml_help = "residual: {body: [...], shortcut: [...]} (shortcut optional: identity)"
    max_paths = 2
    too_many = "res[...] has a body and at most one shortcut"
    label = "res"
    title = "residual"
    footer = "the residual add"
    sign = ("res", "⊕")
    identity_at = 1
    helper = ("Residual", HELPER)
    nest = 1

    def path_names(self, block: Block | BlockReport) -> list[str]:
        return ["body", "shortcut"][: len(block.parts)]

    def combine(self, block: Block, state: State, ends: list[State]) -> tuple[State, Shape]:
        body, other = ends[0], ends[1] if len(ends) > 1 else state
        try:
            out = joining.add_shape((body[0], other[0]))
        except Misfit:
            raise self.error(block, _mismatch(state[0], body[0], other[0], len(ends) > 1)) from None
        return (out, widest([body[1], other[1]])), out

    def path_labels(self, block: BlockReport) -> list[tuple[str, tuple[Row, ...]]] | None:
        shortcut = block.parts[1] if len(block.parts) > 1 else ()
        return [("body", block.parts[0]), ("shortcut", shortcut)]

    def memory(self, block: BlockReport, x: int, graph: Graph) -> int:
        parts = block.parts
        body = graph.seq(parts[0], x) if parts else x
        other = graph.seq(parts[1], x) if len(parts) > 1 else x
        return graph.join("add", block, (body, other))


def _mismatch(x: Shape, body: Shape, shortcut: Shape, has_shortcut: bool) -> str:
    what = "the shortcut" if has_shortcut else "the input (identity shortcut)"
    message = f"cannot add: the body gives {shown(body)} but {what} gives {shown(shortcut)}"
    if len(body) != len(shortcut):
        return message + f" (a {len(body)}-D tensor and a {len(shortcut)}-D one)"
    if features_last(body) or features_last(x):  # a conv projection reads channels first
        if not has_shortcut and features_last(body) and body[:-1] == shortcut[:-1]:
            return message + f"; a shortcut 'fc {body[-1]}' would fit"
        return message
    stride = _projection_stride(x[1:], body[1:]) if len(x) == len(body) >= 2 else None
    if stride is not None:
        s = f" s{stride}" if stride > 1 else ""
        kernel = "x".join("1" for _ in body[1:])
        message += f"; a shortcut 'conv {body[0]}x{kernel}{s} nobias | bn' would fit"
    return message


def _projection_stride(spatial: Shape, out: Shape) -> int | None:
    """The stride a 1x1 conv needs to take ``spatial`` to ``out`` on every axis."""
    for s in range(1, 65):
        if all((w - 1) // s + 1 == o for w, o in zip(spatial, out, strict=True)):
            return s
    return None


CONSTRUCTS = (Residual(),)
