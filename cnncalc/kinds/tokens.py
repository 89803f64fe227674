"""Token sequences: the layout transformers read, and the way in and out of it.

A token sequence is ``N×D``: N positions (patches, frames, words), each with D
features, the features last, as torch holds it (``(B, N, D)``; see
:class:`~cnncalc.layer.Last`). ``tokens`` makes one from a channels-first map
(ViT's patch embedding ends ``x.flatten(2).transpose(1, 2)``); ``untokens``
turns one back (Swin's and MobileViT's maps); ``permute`` moves the features
between the first and the last axis (torchvision's ConvNeXt block:
``Permute([0, 2, 3, 1])``, LayerNorm and Linear on the channels, and back).
``cls`` puts a learned class token first, ``posembed`` adds a learned position
embedding, ``token`` takes one position's features (ViT's head reads the class
token, ``x[:, 0]``). Nothing here counts a MAC; views make no new storage.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cnncalc.errors import LayerError
from cnncalc.kinds.base import (
    Arg,
    Helper,
    Kind,
    Module,
    Outcome,
    Reach,
    Reads,
    no_lines,
    square_grid,
)
from cnncalc.layer import Last, LayerSpec, Shape, features_last, last, shape_text
from cnncalc.memory.rules import CAT, Behaviour

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def tokens_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """C×H×W (or C×L, C×D×H×W) → (H·W)×C: every position a token of C features."""
    if len(shape) < 2:
        raise LayerError(
            f"tokens needs positions to make tokens of, but its input is a vector of {shape[0]}"
        )
    return Outcome(layer=layer, shape=Last((math.prod(shape[1:]), shape[0])))


def tokens_explain(layer: LayerReport) -> list[str]:
    c, *spatial = layer.input_shape
    return [f"tokens: {shape_text(tuple(spatial), ' × ')} positions, each {c:,} features"]


TO_TOKENS = Helper(
    "ToTokens",
    '''
class ToTokens(nn.Module):
    """Channels first to a token sequence: (B, C, *S) -> (B, prod(S), C), a view."""

    def forward(self, x):
        return x.flatten(2).transpose(1, 2)
''',
)


def untokens_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """N×C tokens → C×H×W with H·W = N (the grid given); a features-last map
    H×W×C → C×H×W (no grid)."""
    grid = layer.output_size
    positions, channels = shape[:-1], shape[-1]
    if grid is None:
        if len(positions) < 2:
            raise LayerError(
                f"untokens needs the grid to lay {positions[0]:,} tokens on, "
                f"e.g. untokens {square_grid(positions[0]) or f'HxW with H·W = {positions[0]}'}"
            )
        return Outcome(layer=layer, shape=(channels, *positions))
    if len(positions) != 1:
        raise LayerError(
            f"untokens with a grid reads a token sequence (N×D); {shape_text(shape, 'x')} "
            "has its positions laid out already: write untokens alone",
            field="output_size",
        )
    if math.prod(grid) != positions[0]:
        raise LayerError(
            f"cannot lay {positions[0]:,} tokens on a {shape_text(grid, 'x')} grid "
            f"({math.prod(grid):,} positions)",
            field="output_size",
        )
    return Outcome(layer=layer, shape=(channels, *grid))


FROM_TOKENS = Helper(
    "FromTokens",
    '''
class FromTokens(nn.Module):
    """Features last to channels first: (B, N, C) -> (B, C, *grid), or
    (B, *S, C) -> (B, C, *S) with no grid; a view."""

    def __init__(self, *grid):
        super().__init__()
        self.grid = grid

    def forward(self, x):
        x = x.movedim(-1, 1)
        return x.unflatten(2, self.grid) if self.grid else x
''',
)


def untokens_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    grid = ", ".join(str(v) for v in (spec.output_size or ())) if spec is not None else ""
    return Module(f"FromTokens({grid})", (FROM_TOKENS,))


def permute_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """torch's ``permute`` of the axes after the batch (``1,2,0``), or of all of
    them with the batch first (``0,2,3,1``, as torchvision writes it). The
    features must end on the first or the last axis, and the positions keep
    their order (the receptive field follows the axes)."""
    order = layer.order or ()
    rank = len(shape)
    if len(order) == rank + 1 and order[0] == 0:
        order = tuple(v - 1 for v in order[1:])
    if sorted(order) != list(range(rank)):
        raise LayerError(
            f"permute takes an order of the {rank} axes after the batch (0 to {rank - 1}, "
            f"each once; or {rank + 1} with the batch's 0 first), got "
            f"{','.join(map(str, layer.order or ()))}",
            field="order",
        )
    feature_axis = rank - 1 if features_last(shape) else 0
    out = tuple(shape[i] for i in order)
    moved = [i for i in order if i != feature_axis]
    if moved != sorted(moved) or feature_axis not in (order[0], order[-1]):
        raise LayerError(
            "permute moves the features between the first and the last axis, keeping the "
            f"positions in order ({_moves(rank)}); {','.join(map(str, order))} does more",
            field="order",
        )
    resolved = layer.replace(order=order)
    if order[-1] == feature_axis and rank > 1:
        return Outcome(layer=resolved, shape=last(out))
    return Outcome(layer=resolved, shape=out)


def _moves(rank: int) -> str:
    inner = ",".join(str(i) for i in range(1, rank))
    return (
        f"{inner},0 to put them last, {rank - 1},{','.join(str(i) for i in range(rank - 1))} back"
    )


PERMUTE = Helper(
    "Permute",
    '''
class Permute(nn.Module):
    """x.permute(0, *order): the axes after the batch reordered; a view."""

    def __init__(self, *order):
        super().__init__()
        self.order = order

    def forward(self, x):
        return x.permute(0, *(axis + 1 for axis in self.order))
''',
)


def permute_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    order = ", ".join(str(v) for v in (spec.order or ())) if spec is not None else ""
    return Module(f"Permute({order})", (PERMUTE,))


def cls_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """A learned token of D features put before the N: (N+1)×D, D params."""
    n, d = shape[0], shape[-1]
    if len(shape) != 2:
        raise LayerError(f"cls puts a token before a sequence (N×D), not {shape_text(shape, 'x')}")
    return Outcome(layer=layer, shape=Last((n + 1, d)), params=d)


def cls_explain(layer: LayerReport) -> list[str]:
    n, d = layer.input_shape
    return [f"params: 1 token × {d:,} = {layer.costs.params:,}; tokens: {n:,} + 1 = {n + 1:,}"]


CLASS_TOKEN = Helper(
    "ClassToken",
    '''
class ClassToken(nn.Module):
    """A learned token put before the sequence: (B, N, D) -> (B, N + 1, D) (ViT)."""

    def __init__(self, dim):
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x):
        return torch.cat([self.token.expand(x.shape[0], -1, -1), x], dim=1)
''',
)


def cls_torch(layer: LayerReport) -> Module:
    return Module(f"ClassToken({layer.input_shape[-1]})", (CLASS_TOKEN,))


def posembed_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """A learned value added at every position and feature: as many params as
    the input has values (ViT's 197×768), no MACs (an add). ``posembed T``: a
    table of T positions of which a sequence reads its first N (BERT's 512)."""
    table = layer.size
    if table is None:
        return Outcome(layer=layer, shape=shape, params=math.prod(shape))
    if not features_last(shape) or len(shape) != 2:
        raise LayerError(
            f"posembed {table} is a table of positions for a token sequence (N×D), "
            f"not {shape_text(shape, 'x')}",
            field="size",
        )
    if shape[0] > table:
        raise LayerError(
            f"a table of {table:,} positions cannot embed {shape[0]:,} tokens", field="size"
        )
    return Outcome(layer=layer, shape=shape, params=table * shape[1])


def posembed_explain(layer: LayerReport) -> list[str]:
    shape, spec = layer.input_shape, layer.layer
    if spec is not None and spec.size is not None:
        return [
            f"params: {spec.size:,} positions × {shape[-1]} = {layer.costs.params:,}; "
            f"the first {shape[0]:,} added"
        ]
    return [f"params: {shape_text(shape, ' × ')} = {layer.costs.params:,}, added"]


POSITION = Helper(
    "PositionEmbedding",
    '''
class PositionEmbedding(nn.Module):
    """A learned embedding added to every position (ViT's pos_embedding)."""

    def __init__(self, *shape):
        super().__init__()
        self.embedding = nn.Parameter(torch.zeros(1, *shape))

    def forward(self, x):
        return x + self.embedding[:, : x.shape[1]]
''',
)


def posembed_torch(layer: LayerReport) -> Module:
    spec, shape = layer.layer, layer.input_shape
    if spec is not None and spec.size is not None:
        shape = (spec.size, shape[-1])
    return Module(f"PositionEmbedding({', '.join(map(str, shape))})", (POSITION,))


def segments_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """BERT's segment (token type) embeddings: S learned vectors of D features,
    each token's added by its segment (S·D params, no MACs)."""
    if len(shape) != 2:
        raise LayerError(f"segments embeds a token sequence (N×D), not {shape_text(shape, 'x')}")
    return Outcome(layer=layer, shape=shape, params=(layer.size or 2) * shape[1])


def segments_explain(layer: LayerReport) -> list[str]:
    spec = layer.layer
    count = (spec.size or 2) if spec is not None else 2
    return [f"params: {count} segments × {layer.input_shape[-1]} = {layer.costs.params:,}"]


SEGMENTS = Helper(
    "Segments",
    '''
class Segments(nn.Module):
    """BERT's token type embeddings: one learned vector per segment, added to each
    token of it; every token is in segment 0 here (BERT's default token_type_ids)."""

    def __init__(self, segments, dim):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(segments, dim))

    def forward(self, x):
        return x + self.table[0]
''',
)


def segments_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    count = (spec.size or 2) if spec is not None else 2
    return Module(f"Segments({count}, {layer.input_shape[-1]})", (SEGMENTS,))


def token_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Position I's features (0 unless given): N×D → D (ViT's head: x[:, 0])."""
    at = layer.index or 0
    if len(shape) != 2:
        raise LayerError(f"token takes one token of a sequence (N×D), not {shape_text(shape, 'x')}")
    if at >= shape[0]:
        raise LayerError(f"token {at}: the sequence has {shape[0]:,} tokens", field="index")
    return Outcome(layer=layer, shape=(shape[1],))


TAKE_TOKEN = Helper(
    "TakeToken",
    '''
class TakeToken(nn.Module):
    """One position's features: (B, N, D) -> (B, D) (ViT's head reads x[:, 0])."""

    def __init__(self, index=0):
        super().__init__()
        self.index = index

    def forward(self, x):
        return x[:, self.index]
''',
)


def token_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    return Module(f"TakeToken({(spec.index or 0) if spec is not None else 0})", (TAKE_TOKEN,))


TRANSPOSED = Behaviour(view=True, transposes=True)
"""A view whose strides are not contiguous: past batch 1, a Linear after it reads a copy."""


def tokens_torch(_: LayerReport) -> Module:
    return Module("ToTokens()", (TO_TOKENS,))


def merge_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Swin's patch merging: each 2×2 neighbourhood of a features-last map one
    position of 4C features (H and W halved, rounded up: an odd size is padded
    with zeros first), a video's T kept; a sequence's tokens in pairs (2D)."""
    if not features_last(shape):
        raise LayerError(
            f"merge reads a features-last map (N×D, H×W×C or T×H×W×C), not "
            f"{shape_text(shape, 'x')}: 'permute' the channels last first"
        )
    sizes, c = shape[:-1], shape[-1]
    merged = 1 if len(sizes) == 1 else 2
    kept = len(sizes) - merged
    out = (*sizes[:kept], *(-(-size // 2) for size in sizes[kept:]))
    factor = 2**merged
    spans = (1,) * kept + (2,) * merged
    return Outcome(
        layer=layer,
        shape=Last((*out, c * factor)),
        reach=Reach(spans, spans, (0,) * len(sizes)),
    )


def merge_explain(layer: LayerReport) -> list[str]:
    sizes, c = layer.input_shape[:-1], layer.input_shape[-1]
    what = "pairs of tokens" if len(sizes) == 1 else "each 2 × 2 of positions"
    pads = [size % 2 for size in sizes[-2:]]
    padded = " (an odd size padded with zeros first)" if any(pads) else ""
    return [f"merge: {what} side by side{padded}: {c:,} → {layer.output_shape[-1]:,} features"]


MERGE = Helper(
    "Merge",
    '''
class Merge(nn.Module):
    """Swin's patch merging without its norm and Linear: each 2x2 neighbourhood of
    a (B, ..., H, W, C) map one position of 4C features, as torchvision's
    _patch_merging_pad (odd H or W padded first); a (B, N, C) sequence in pairs."""

    def forward(self, x):
        if x.dim() == 3:
            x = nn.functional.pad(x, (0, 0, 0, x.shape[1] % 2))
            return torch.cat([x[:, 0::2], x[:, 1::2]], -1)
        h, w = x.shape[-3], x.shape[-2]
        x = nn.functional.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        parts = [x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :]]
        parts += [x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]]
        return torch.cat(parts, -1)
''',
)


def merge_torch(_: LayerReport) -> Module:
    return Module("Merge()", (MERGE,))


KINDS = (
    Kind(
        "tokens",
        Arg.NONE,
        tokens_rule,
        "a channels-first map as a token sequence: C×H×W → (H·W)×C (ViT's patches)",
        tokens_explain,
        tokens_torch,
        memory=TRANSPOSED,
        sets_rank=True,
    ),
    Kind(
        "untokens",
        Arg.GRID,
        untokens_rule,
        "a token sequence back to a channels-first map: N×C → C×H×W",
        no_lines,
        untokens_torch,
        memory=TRANSPOSED,
        reads=Reads.LAST,
        sets_rank=True,
    ),
    Kind(
        "permute",
        Arg.ORDER,
        permute_rule,
        "the features moved to the last axis or back (torch permute)",
        no_lines,
        permute_torch,
        memory=TRANSPOSED,
        reads=Reads.EITHER,
        sets_rank=True,
    ),
    Kind(
        "cls",
        Arg.NONE,
        cls_rule,
        "a learned class token put first (ViT, BERT's [CLS] is a word)",
        cls_explain,
        cls_torch,
        ("classtoken",),
        frozenset({"trainable"}),
        memory=CAT,  # torch.cat keeps nothing: its backward hands out slices
        reads=Reads.LAST,
    ),
    Kind(
        "posembed",
        Arg.TABLE,
        posembed_rule,
        "a learned position embedding, added (ViT)",
        posembed_explain,
        posembed_torch,
        ("posembedding",),
        frozenset({"trainable"}),
        memory=Behaviour(strides=True),  # an add keeps nothing; x's strides
        reads=Reads.EITHER,
    ),
    Kind(
        "segments",
        Arg.TABLE,
        segments_rule,
        "segment (token type) embeddings, added (BERT)",
        segments_explain,
        segments_torch,
        ("tokentypes",),
        frozenset({"trainable"}),
        memory=Behaviour(strides=True),  # x + a row of the table: an add keeps nothing
        reads=Reads.LAST,
    ),
    Kind(
        "token",
        Arg.INDEX,
        token_rule,
        "one token's features: N×D → D (ViT's class token, x[:, 0])",
        no_lines,
        token_torch,
        memory=Behaviour(view=True),  # x[:, i]: a view
        reads=Reads.LAST,
        sets_rank=True,
    ),
    Kind(
        "merge",
        Arg.NONE,
        merge_rule,
        "Swin's patch merging: each 2×2 of a features-last map one position, 4C features",
        merge_explain,
        merge_torch,
        ("patchmerging",),
        memory=CAT,  # slices and a torch.cat: nothing kept
        reads=Reads.LAST,
    ),
)
