"""Checks for input that is valid but probably not what was meant.

Each returns a warning's text or ``None``; with ``--strict`` the engine makes
them errors. They are heuristics, stated where they fire:

- channels last: ``224x224x3`` (a last axis of 1–4 after a first axis of 16 or
  more, every axis between larger than the last) reads as 224 channels;
- a preset or YAML file given ``--input`` with another channel count than its own;
- a filter count that looks like a kernel size: ``conv 3x3x64`` is 3 filters of
  3×64 (at most 11 filters, a last kernel axis of 16 or more, the others at most 11).
"""

from __future__ import annotations

from cnncalc.layer import LayerSpec, Model, Shape, shape_text

CHANNELS_LAST = 4
"""The most channels a channels-last guess takes for the last axis (RGB, RGBA)."""
SPATIAL_FIRST = 16
"""The least first axis that reads as a spatial size rather than channels."""
KERNEL_LIKE = 11
"""The largest filter count (or other kernel axis) that looks like a kernel size."""


def channels_last(start: Shape) -> str | None:
    """``224x224x3``: the channels look last."""
    if len(start) < 3:
        return None
    first, last = start[0], start[-1]
    if first >= SPATIAL_FIRST and 1 <= last <= CHANNELS_LAST and min(start[:-1]) > last:
        meant = shape_text((last, *start[:-1]), "x")
        return (
            f"--input {shape_text(start, 'x')} reads as {first:,} channels: "
            f"did you mean {meant}? cnncalc reads shapes channels first"
        )
    return None


def other_channels(
    model: Model, given: Shape | None, start: Shape, own: Shape | None
) -> str | None:
    """``resnet50 --input 224x224``: a network declared for C channels given another count.
    ``own`` is the model's own input resolved as ``start`` was."""
    if given is None or own is None or len(own) != len(start) or own[0] == start[0]:
        return None
    meant = shape_text((own[0], *start[1:]), "x")
    return (
        f"--input {shape_text(given, 'x')} gives {start[0]:,} channel"
        f"{'s' if start[0] != 1 else ''}, but {model.name} is built for {own[0]:,} "
        f"({shape_text(own, 'x')}): did you mean {meant}?"
    )


def kernel_first(layer: LayerSpec) -> str | None:
    """``conv 3x3x64``: the kernel size written where the filter count goes."""
    kernel, filters = layer.kernel, layer.filters
    if not layer.per_axis or kernel is None or filters is None or len(kernel) < 2:
        return None
    if filters > KERNEL_LIKE or kernel[-1] < SPATIAL_FIRST or max(kernel[:-1]) > KERNEL_LIKE:
        return None
    written = shape_text((filters, *kernel), "x")
    meant = shape_text((kernel[-1], filters, *kernel[:-1]), "x")
    window = "×".join(str(k) for k in kernel)
    return (
        f"{layer.kind} {written} reads as {filters} filter{'s' if filters > 1 else ''} of "
        f"{window}; did you mean {layer.kind} {meant}? (filters first, then the kernel)"
    )
