"""The block constructs: one home per construct, one module per family.

Each family module (:mod:`.residual`, :mod:`.branches`, :mod:`.gate`,
:mod:`.side`, :mod:`.serial`) declares its constructs with everything cnncalc
needs of them (:class:`~.base.Construct`): words, YAML keys, paths, join rule
and receptive field, labels, diagram sign, PyTorch helper and memory ops.
Adding a construct is one class in its family's ``CONSTRUCTS`` and a
:class:`~cnncalc.layer.BlockKind`; this module collects them.
"""

from __future__ import annotations

from cnncalc.constructs import branches, gate, residual, serial, side
from cnncalc.constructs.base import Construct, State
from cnncalc.layer import BlockKind

__all__ = ["BY_WORD", "BY_YAML_KEY", "CONSTRUCTS", "Construct", "State", "of"]

FAMILIES = (residual, branches, gate, side, serial)

_ALL = {construct.kind: construct for family in FAMILIES for construct in family.CONSTRUCTS}
ORDER: tuple[BlockKind, ...] = (
    BlockKind.RES,
    BlockKind.CAT,
    BlockKind.MUL,
    BlockKind.SPLIT,
    BlockKind.CROP,
)
ORDER += (BlockKind.SUM, BlockKind.SIDE, BlockKind.SEQ, BlockKind.REPEAT)
CONSTRUCTS: dict[BlockKind, Construct] = {kind: _ALL[kind] for kind in ORDER}
"""Every construct by its kind, in the order the grammar lists them."""

BY_WORD: dict[str, Construct] = {c.word: c for c in CONSTRUCTS.values() if c.word is not None}
"""The string form's block words (``res``, ``cat``, …)."""

BY_YAML_KEY: dict[str, Construct] = {key: c for c in CONSTRUCTS.values() for key in c.yaml_keys}
"""The YAML keys that make a block (``residual``, ``concat``, ``repeat``, …)."""


def of(kind: BlockKind | str) -> Construct:
    """The construct of a block or a block's row."""
    return CONSTRUCTS[BlockKind(kind)]


def words_text(constructs: list[str], last: str = "or") -> str:
    """``res[...], cat[...] or side[...]``, for a message."""
    forms = [f"{word}[...]" for word in constructs]
    return ", ".join(forms[:-1]) + f" {last} " + forms[-1] if len(forms) > 1 else forms[0]
