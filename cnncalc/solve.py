"""The inverse question: which (kernel, stride, padding, dilation) take a size to another.

Every candidate is checked with the same formulas the layer rules use
(:mod:`cnncalc.arith`), so a solution printed here is one cnncalc — and torch —
computes back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cnncalc import arith


@dataclass(frozen=True)
class Solution:
    kernel: int
    stride: int
    padding: int
    dilation: int
    output_padding: int = 0
    exact: bool = True
    """For a convolution: the windows tile the padded input with nothing left over."""


@dataclass(frozen=True)
class Bounds:
    """What to search; a pinned value searches only itself."""

    kernels: range = range(1, 12)
    strides: range = range(1, 9)
    paddings: range | None = None  # default: 0 .. kernel − 1
    dilations: range = range(1, 2)


def solve(
    size_in: int, size_out: int, bounds: Bounds, transposed: bool = False
) -> Iterator[Solution]:
    """Solutions in order of kernel, stride, padding, dilation: smallest first."""
    for k in bounds.kernels:
        for s in bounds.strides:
            paddings = bounds.paddings if bounds.paddings is not None else range(k)
            for p in paddings:
                for d in bounds.dilations:
                    if transposed:
                        yield from _transposed(size_in, size_out, k, s, p, d)
                        continue
                    if arith.window_out(size_in, k, s, p, p, d) == size_out:
                        left = (size_in + 2 * p - arith.effective(k, d)) % s
                        yield Solution(k, s, p, d, exact=left == 0)


def _transposed(size_in: int, size_out: int, k: int, s: int, p: int, d: int) -> Iterator[Solution]:
    for op in range(max(s, d)):
        if arith.transposed_out(size_in, k, s, p, d, op) == size_out:
            yield Solution(k, s, p, d, op)
