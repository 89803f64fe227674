"""The sliding window, shared by convolutions and pools (as torchvision's
``ops/misc.py`` is shared by its model families): per-axis values resolved
against the input, the output size with what it leaves unread, the course
formula written out for ``--explain``, and the padding PyTorch needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cnncalc import arith
from cnncalc.errors import LayerError
from cnncalc.kinds.base import NOUNS, axis_names
from cnncalc.layer import LayerSpec, Shape, shape_text
from cnncalc.memory.rules import Saved

if TYPE_CHECKING:
    from cnncalc.report import LayerReport

Pads = tuple[tuple[int, int], ...]
"""(left, right) padding per spatial axis."""


def spatial_of(shape: Shape) -> tuple[int, Shape]:
    """Split ``(C, *spatial)``; a layer that slides needs at least one spatial axis."""
    if len(shape) < 2:
        raise LayerError(
            f"needs an input with spatial axes (CxHxW...), got {shape_text(shape, 'x')}"
        )
    return shape[0], shape[1:]


def expand(values: Sequence[int] | None, rank: int, default: int, name: str) -> tuple[int, ...]:
    """One value per spatial axis: a single value applies to every axis."""
    if values is None:
        return (default,) * rank
    if len(values) == 1:
        return tuple(values) * rank
    if len(values) != rank:
        raise LayerError(
            f"{name} has {len(values)} values but the input has {rank} spatial axes", field=name
        )
    return tuple(values)


def per_axis(sizes: tuple[int, ...], given_per_axis: bool, rank: int, field: str) -> Shape:
    """A kernel or output size for every spatial axis: ``pool 2`` on 2-D is 2x2,
    ``conv 8x3x3`` must be 2-D."""
    if given_per_axis and len(sizes) != rank:
        what = "kernel cannot slide over" if field == "kernel" else "output size cannot apply to"
        raise LayerError(f"a {len(sizes)}-D {what} an input with {rank} spatial axes", field=field)
    return expand(sizes, rank, 1, field)


def kernel_for(layer: LayerSpec, rank: int) -> tuple[int, ...]:
    assert layer.kernel is not None
    return per_axis(layer.kernel, layer.per_axis, rank, "kernel")


def pads_for(
    layer: LayerSpec, spatial: Shape, kernel: Shape, stride: Shape, dilation: Shape
) -> tuple[tuple[int, int], ...]:
    """(left, right) padding per axis; 'same' follows Keras/TF, and so does
    'causal': d·(k − 1) before a 1-D input and nothing after, so output t reads
    inputs up to t alone (Keras Conv1D padding='causal', WaveNet)."""
    if layer.padding == "causal":
        if len(spatial) != 1:
            raise LayerError(
                f"pcausal pads a 1-D input (Keras Conv1D), but the input has {len(spatial)} "
                "spatial axes",
                field="padding",
            )
        return tuple((arith.effective(k, d) - 1, 0) for k, d in zip(kernel, dilation, strict=True))
    if layer.padding == "same":
        return tuple(
            arith.same_padding(w, k, s, d)
            for w, k, s, d in zip(spatial, kernel, stride, dilation, strict=True)
        )
    assert not isinstance(layer.padding, str)
    pad = expand(layer.padding, len(spatial), 0, "padding")
    return tuple((p, p) for p in pad)


def slide(
    spatial: Shape,
    kernel: Shape,
    stride: Shape,
    pads: Sequence[tuple[int, int]],
    dilation: Shape,
    ceil: bool = False,
) -> tuple[Shape, tuple[str, ...]]:
    """Output size of a sliding window on every axis, and what it leaves unread:
    at most one warning (input never read, every position of it, all axes in one
    line) and one :class:`~cnncalc.notes.Note` (padding never used; positions a
    1-wide window steps over: ``conv 512x1x1 s2``, the projection shortcut of
    torchvision's ResNets, subsamples by design)."""
    from cnncalc.notes import Note

    out: list[int] = []
    unread: dict[str, list[str]] = {}  # a message with {noun} left open → its axes
    harmless: dict[str, list[str]] = {}
    names = axis_names(len(spatial))
    for i, (w, k, s, (pl, pr), d) in enumerate(
        zip(spatial, kernel, stride, pads, dilation, strict=True)
    ):
        keff = arith.effective(k, d)
        n = arith.pool_out(w, k, s, pl, d, True) if ceil else arith.window_out(w, k, s, pl, pr, d)
        if n < 1:
            raise LayerError(
                f"{_arithmetic(spatial, i, keff, s, pl, pr)} < 1: the window ({keff}) is larger "
                f"than the padded input ({w + pl + pr})",
                field="kernel",
            )
        out.append(n)
        blank = _blank(w, keff, s, pl, n)
        if blank:
            unread.setdefault(blank, []).append(names[i])
        gaps = arith.unread(w, k, s, pl, pr, d, n, ceil)
        if gaps is None:
            continue
        formula = _arithmetic(spatial, i, keff, s, pl, pr, axis=False) + f", floored to {n}"
        if gaps.runs:
            found = unread if keff > 1 else harmless  # a 1-wide window reads 1 of every S
            found.setdefault(_unread(gaps, formula, k, s, d), []).append(names[i])
        elif gaps.padding:
            harmless.setdefault(f"{formula}: {_padding(gaps.padding)}", []).append(names[i])
    warnings = [_joined(unread)] if unread else []
    notes = [Note(_joined(harmless))] if harmless else []
    return tuple(out), (*warnings, *notes)


def _blank(w: int, keff: int, s: int, pl: int, n: int) -> str:
    """Padding as wide as the window: output positions that read padding alone
    (``conv 16x3x3 p3``: the first and last output rows see only zeros). Output
    i reads from i·S − P_left to i·S − P_left + F_eff − 1."""
    first = -(-(pl - keff + 1) // s) if pl >= keff else 0  # ends before the input starts
    last = max(0, n - max(first, -(-(w + pl) // s)))  # starts after the input ends
    if not first and not last:
        return ""
    ends = [f"the first {first}" if first else "", f"the last {last}" if last else ""]
    return (
        f"the padding is as wide as the window ({keff}): "
        f"{' and '.join(e for e in ends if e)} output {{nouns}} read only zeros"
    )


def _arithmetic(
    spatial: Shape, i: int, keff: int, s: int, pl: int, pr: int, axis: bool = True
) -> str:
    """``H: (191 − 2 + 2·0)/2 + 1 = 95.5``: the course formula with its numbers
    (without ``H: `` when ``axis`` is false)."""
    w = spatial[i]
    pads = f"2·{pl}" if pl == pr else f"{pl} + {pr}"
    value = arith.exact_ratio(w + pl + pr - keff + s, s)
    name = f"{axis_names(len(spatial))[i]}: " if axis else ""
    return f"{name}({w} − {keff} + {pads})/{s} + 1 = {value}"


def _unread(gaps: arith.Gaps, formula: str, k: int, s: int, d: int) -> str:
    """Every position an axis never reads and why, with ``{noun}`` and ``{verb}``
    left open for the axes that agree: ``input {noun} 1, 3, 5, 7 {verb} never read:
    every other one (stride 2 > kernel 1)``."""
    places = [f"{a}" if a == b else f"{a}–{b}" for a, b in gaps.shown]
    if gaps.runs > len(places):
        places[-1:-1] = ["…"]
    where = f"input {{noun}} {', '.join(places)} {{verb}} never read"
    if not gaps.skips:
        return f"{formula}: {where}"
    if d > 1:
        why = f"stride {s} with kernel {k} dilated {d} passes over them"
    else:
        every = "every other one" if (s, k) == (2, 1) else f"{s - k} of every {s}"
        why = f"{every} (stride {s} > kernel {k})"
    return f"{where}: {why}" + (f"; the last by the floor: {formula}" if gaps.floored else "")


def _padding(count: int) -> str:
    if count == 1:
        return "the last padding {noun} {verb} never used"
    return f"the last {count} padding {{nouns}} are never used"


def _joined(found: dict[str, list[str]]) -> str:
    """One line for a layer: axes that agree share a part (``H, W: … rows and
    columns …``), parts that differ are joined by ``; ``."""
    parts = []
    for message, axes in found.items():
        nouns = [NOUNS.get(a, ("position", "positions")) for a in axes]
        plural = _and([many for _, many in nouns])
        text = message.replace("{nouns}", plural)
        if _single(message):
            text = text.replace("{noun}", _and([one for one, _ in nouns]))
            text = text.replace("{verb}", "is" if len(axes) == 1 else "are")
        else:
            text = text.replace("{noun}", plural).replace("{verb}", "are")
        parts.append(f"{', '.join(axes)}: {text}")
    return "; ".join(parts)


def _single(message: str) -> bool:
    """The message names one position (``input {noun} 190``) or one padding one."""
    if message.endswith("padding {noun} {verb} never used"):
        return True
    rest = message.partition("input {noun} ")[2]
    listed = rest.partition(" {verb}")[0]
    return bool(rest) and listed.isdigit()


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def geometry(layer: LayerSpec, spatial: Shape) -> tuple[Shape, Shape, Shape, Pads]:
    """Kernel, stride, dilation and (left, right) pads, one per spatial axis."""
    rank = len(spatial)
    kernel = kernel_for(layer, rank)
    stride = expand(layer.stride, rank, 1, "stride")
    dilation = expand(layer.dilation, rank, 1, "dilation")
    return kernel, stride, dilation, pads_for(layer, spatial, kernel, stride, dilation)


# --- --explain -----------------------------------------------------------------


def size_lines(layer: LayerReport) -> list[str]:
    """``H: (200 − 10 + 2·0)/1 + 1 = 191`` for each axis of a window that slides
    (forward: convolutions and pools) over the layer's input."""
    spec = layer.layer
    if spec is None or spec.kernel is None:
        return []
    spatial = layer.input_shape[1:]
    kernel = spec.kernel
    stride = spec.stride or (1,) * len(kernel)
    dilation = spec.dilation or (1,) * len(kernel)
    pads = pads_for(spec, spatial, kernel, stride, dilation)
    lines = []
    for i, (w, k, s, d, (left, right), o) in enumerate(
        zip(spatial, kernel, stride, dilation, pads, layer.output_shape[1:], strict=True)
    ):
        f = f"{d}·({k} − 1) + 1" if d > 1 else str(k)
        added = f"2·{left}" if left == right else f"{left} + {right}"
        exact = arith.exact_ratio(w + left + right - arith.effective(k, d) + s, s)
        result = str(o) if exact == str(o) else f"{exact} → {o}"
        mode = " (ceil mode)" if spec.ceil and exact != str(o) else ""
        lines.append(
            f"{axis_names(len(spatial))[i]}: ({w} − {f} + {added})/{s} + 1 = {result}{mode}"
        )
    return lines


# --- PyTorch -------------------------------------------------------------------


def resolved(layer: LayerReport) -> tuple[Shape, Shape, Shape]:
    """The kernel, stride and dilation of a window layer as run (its spec is
    resolved against its input: every axis given)."""
    spec = layer.layer
    assert spec is not None and spec.kernel is not None
    rank = len(layer.input_shape) - 1
    return spec.kernel, spec.stride or (1,) * rank, spec.dilation or (1,) * rank


def torch_padding(layer: LayerReport) -> tuple[Pads, Shape, Shape, Shape]:
    """The resolved (left, right) pads, kernel, stride and dilation of a window
    layer as run, for the code that builds it."""
    assert layer.layer is not None
    kernel, stride, dilation = resolved(layer)
    pads = pads_for(layer.layer, layer.input_shape[1:], kernel, stride, dilation)
    return pads, kernel, stride, dilation


def symmetric(pads: Pads) -> bool:
    return all(left == right for left, right in pads)


def pad_module(pads: Pads, value: str = "0.0") -> str:
    """An explicit (left, right) pad, for the odd pixel of 'same' at stride > 1
    (``value``: what the padding holds, ``float('-inf')`` before a max pool)."""
    flat = tuple(x for left, right in reversed(pads) for x in (left, right))
    return f"nn.ConstantPad{len(pads)}d({flat}, {value})"


def padded(pads: Pads, code: str, value: str = "0.0") -> str:
    """``code`` (built with zero padding) behind an explicit pad when the padding
    is uneven; ``code`` alone when it is even (and already in it)."""
    if symmetric(pads):
        return code
    return f"nn.Sequential({pad_module(pads, value)}, {code})"


def padded_input(layer: LayerReport) -> int:
    """Memory: the values per sample of the explicitly padded copy of the input
    that :func:`padded` puts before the op where the pads are uneven (the op keeps
    it instead of its input); 0 where they are even (the op pads inside)."""
    pads = torch_padding(layer)[0]
    if symmetric(pads):
        return 0
    channels, *spatial = layer.input_shape
    return channels * math.prod(
        n + left + right for n, (left, right) in zip(spatial, pads, strict=True)
    )


def padded_saved(layer: LayerReport) -> Saved:
    """What a window op behind :func:`padded` keeps of its input: the padded copy."""
    values = padded_input(layer)
    return Saved(((values, 0),), input=False) if values else Saved()
