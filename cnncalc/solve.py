"""The inverse question: which (kernel, stride, padding, dilation) take a size to another.

Nothing here loops over a size the user gives. For one kernel, stride and
dilation the paddings that work form an interval, worked out in closed form from
the layer formulas of :mod:`cnncalc.arith`; so do the strides that can work for a
kernel, and the kernels that can work at all. What is left to walk is the
kernels and strides inside those intervals, and every step there either finds a
solution or counts against :data:`BUDGET`, so ``--dilation 10**12`` or
``--max-kernel 10**6`` costs no more than ``--max-kernel 11``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat

from cnncalc import arith

BUDGET = 100_000
"""Kernel and stride candidates that may be looked at without finding a solution."""
LISTED = 10_000
"""The most solutions one call lists, whatever ``--limit`` says: with :data:`BUDGET`,
what bounds a call's work: each kernel and stride looked at gives one of the
LISTED solutions or counts against BUDGET (``--limit 1000000`` took 3.9 s and
418 MB)."""


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
    """What to search; a pinned value searches only itself. Ranges step by 1."""

    kernels: range = range(1, 12)
    strides: range = range(1, 9)
    paddings: range | None = None  # default: 0 .. kernel − 1
    dilations: range = range(1, 2)


class SearchTooWide(Exception):
    """More than :data:`BUDGET` candidates gave nothing: the search stopped at ``kernel``."""

    def __init__(self, kernel: int) -> None:
        super().__init__(kernel)
        self.kernel = kernel


Span = tuple[int, int]
"""A closed interval of integers, empty when the first is above the second."""


def solve(
    size_in: int,
    size_out: int,
    bounds: Bounds,
    transposed: bool = False,
    exact: bool = False,
) -> Iterator[Solution]:
    """Solutions in order of kernel, stride, padding, dilation: smallest first.

    With ``exact`` only convolutions whose windows tile the input exactly (a
    transposed convolution always counts as exact). Raises :class:`SearchTooWide`
    after :data:`BUDGET` fruitless candidates.
    """
    for r in (bounds.kernels, bounds.strides, bounds.dilations, bounds.paddings):
        if r is not None and r.step != 1:
            raise ValueError("solve searches ranges that step by 1")
    rule = _Transposed if transposed else _Window
    plans = [rule(size_in, size_out, d, bounds, exact) for d in bounds.dilations]
    kernels = _hull([p.kernels() for p in plans])
    spent = 0
    for k in range(kernels[0], kernels[1] + 1):
        found = False
        strides = [p.strides(k) for p in plans]
        low, high = _hull(strides)
        for s in range(low, high + 1):
            spans = [
                (plan.paddings(k, s), plan)
                for plan, (lo, hi) in zip(plans, strides, strict=True)
                if lo <= s <= hi
            ]
            hit = False
            for p, plan in _merged(spans):
                hit = True
                yield plan.solution(k, s, p)
            found = found or hit
            if not hit:
                spent += 1
                if spent > BUDGET:
                    raise SearchTooWide(k)
        if not found:
            spent += 1
            if spent > BUDGET:
                raise SearchTooWide(k)


def same(size_in: int, size_out: int, bounds: Bounds) -> tuple[int, int, int, int, int] | None:
    """The smallest (kernel, stride, dilation, left, right) within ``bounds`` whose
    ``psame`` (Keras's 'same': out = ⌈W/S⌉, the odd padding pixel on the right)
    takes ``size_in`` to ``size_out``, for when no padding on both sides does
    (``--in 200 --out 200 --kernel 10``: 4 + 5). ``None`` when none does or the
    padding is pinned. Strides are found by formula: ⌈W/S⌉ = out for S in
    ⌈W/out⌉ … ⌈W/(out − 1)⌉ − 1."""
    if bounds.paddings is not None:
        return None
    low = -(-size_in // size_out)
    high = -(-size_in // (size_out - 1)) - 1 if size_out > 1 else bounds.strides[-1]
    low, high = max(low, bounds.strides[0]), min(high, bounds.strides[-1])
    if low > high or -(-size_in // low) != size_out:
        return None
    k, s, d = bounds.kernels[0], low, bounds.dilations[0]
    total = max((size_out - 1) * s + arith.effective(k, d) - size_in, 0)
    return k, s, d, total // 2, total - total // 2


def _merged(spans: Sequence[tuple[Span, _Rule]]) -> Iterator[tuple[int, _Rule]]:
    """Paddings of every dilation, in order of padding, then dilation."""
    if len(spans) == 1:
        (lo, hi), plan = spans[0]
        for p in range(lo, hi + 1):
            yield p, plan
        return
    runs = [zip(range(lo, hi + 1), repeat(i)) for i, ((lo, hi), _) in enumerate(spans)]
    for p, i in heapq.merge(*runs):
        yield p, spans[i][1]


def _hull(spans: list[Span]) -> Span:
    real = [s for s in spans if s[0] <= s[1]]
    if not real:
        return (1, 0)
    return min(s[0] for s in real), max(s[1] for s in real)


def _cdiv(a: int, b: int) -> int:
    """ceil(a / b) for b > 0, in integers."""
    return -(-a // b)


def _kernels_where(alpha: int, sigma: int, target: int, at_least: bool) -> Span:
    """The kernels k ≥ 1 where alpha + sigma·(k − 1) ≥ target (or ≤ with ``at_least`` False)."""
    if not at_least:
        alpha, sigma, target = -alpha, -sigma, -target
    # alpha + sigma·j ≥ target, j = k − 1 ≥ 0
    need = target - alpha
    huge = 1 << 256  # above any range's end: "no upper end"
    if sigma == 0:
        return (1, huge) if need <= 0 else (1, 0)
    if sigma > 0:
        return (1 + max(0, _cdiv(need, sigma)), huge)
    return (1, 1 + (-need) // (-sigma)) if need <= 0 else (1, 0)


def _meet(*spans: Span) -> Span:
    return max(s[0] for s in spans), min(s[1] for s in spans)


class _Rule:
    """One dilation's closed forms: which kernels, strides, paddings can work."""

    def __init__(self, size_in: int, size_out: int, d: int, bounds: Bounds, exact: bool) -> None:
        self.w, self.o, self.d, self.exact = size_in, size_out, d, exact
        self.bounds = bounds
        k, s = bounds.kernels, bounds.strides
        self.k_span: Span = (k.start, k.stop - 1)
        self.s_span: Span = (s.start, s.stop - 1)

    def pads(self, k: int) -> Span:
        """The paddings searched for kernel ``k``."""
        p = self.bounds.paddings
        return (0, k - 1) if p is None else (p.start, p.stop - 1)

    def pad_slopes(self) -> tuple[int, int, int, int]:
        """Lowest and highest padding as ``base + slope·(k − 1)``."""
        p = self.bounds.paddings
        if p is None:
            return 0, 0, 0, 1
        return p.start, 0, p.stop - 1, 0

    def kernels(self) -> Span:
        raise NotImplementedError

    def strides(self, k: int) -> Span:
        raise NotImplementedError

    def paddings(self, k: int, s: int) -> Span:
        raise NotImplementedError

    def solution(self, k: int, s: int, p: int) -> Solution:
        raise NotImplementedError


class _Window(_Rule):
    """A convolution or pooling window: out = floor((W + 2P − E)/S) + 1, E = D·(K−1) + 1.

    That is (O−1)·S ≤ A ≤ O·S − 1 for A = W + 2P − E; exact tiling means A = (O−1)·S.
    """

    def kernels(self) -> Span:
        w, o, d = self.w, self.o, self.d
        p_lo, _, p_hi, p_slope = self.pad_slopes()
        s1, s2 = self.s_span
        # A at the highest padding must reach (O−1)·S1; at the lowest, stay below O·S2.
        high = _kernels_where(w - 1 + 2 * p_hi, 2 * p_slope - d, (o - 1) * s1, True)
        low = _kernels_where(w - 1 + 2 * p_lo, -d, o * s2 - 1, False)
        return _meet(self.k_span, high, low)

    def reach(self, k: int) -> Span:
        """The values A takes over the paddings searched."""
        p1, p2 = self.pads(k)
        e = arith.effective(k, self.d)
        return self.w + 2 * p1 - e, self.w + 2 * p2 - e

    def strides(self, k: int) -> Span:
        o = self.o
        a_lo, a_hi = self.reach(k)
        if a_lo > a_hi:
            return (1, 0)
        odd = (a_lo - 0) % 2  # A's parity, whatever the padding
        if self.exact:
            if o == 1:  # A = 0 for every stride
                return self.s_span if a_lo <= 0 <= a_hi and not odd else (1, 0)
            if (o - 1) % 2 == 0 and odd:
                return (1, 0)
            return _meet(self.s_span, (_cdiv(a_lo, o - 1), a_hi // (o - 1)))
        lo = _cdiv(a_lo + 1, o)
        if o == 1:
            return _meet(self.s_span, (lo, self.s_span[1] if a_hi >= 0 else 0))
        return _meet(self.s_span, (lo, a_hi // (o - 1)))

    def paddings(self, k: int, s: int) -> Span:
        p1, p2 = self.pads(k)
        shift = arith.effective(k, self.d) - self.w  # 2P = A + shift
        if self.exact:
            twice = (self.o - 1) * s + shift
            if twice % 2:
                return (1, 0)
            return _meet((p1, p2), (twice // 2, twice // 2))
        return _meet((p1, p2), (_cdiv((self.o - 1) * s + shift, 2), (self.o * s - 1 + shift) // 2))

    def solution(self, k: int, s: int, p: int) -> Solution:
        left = (self.w + 2 * p - arith.effective(k, self.d)) % s
        return Solution(k, s, p, self.d, exact=left == 0)


class _Transposed(_Rule):
    """out = (W−1)·S − 2P + D·(K−1) + OP + 1 with 0 ≤ OP < max(S, D).

    With B = (W−1)·S + D·(K−1) + 1: 2P runs over [B − O, B − O + max(S, D) − 1].
    """

    def kernels(self) -> Span:
        w, o, d = self.w, self.o, self.d
        p_lo, _, p_hi, p_slope = self.pad_slopes()
        s1, s2 = self.s_span
        # B − O ≤ 2·P_high at the smallest stride; the largest stride reaches 2·P_low.
        high = _kernels_where(2 * p_hi + o - 1, 2 * p_slope - d, (w - 1) * s1, True)
        low = _kernels_where(2 * p_lo + o, -d, self.h(s2), False)
        return _meet(self.k_span, high, low)

    def h(self, s: int) -> int:
        """(W−1)·S + max(S, D): what B − 1 + max(S, D) − D·(K−1) grows by with S."""
        return (self.w - 1) * s + max(s, self.d)

    def first_stride(self, need: int) -> int:
        """The smallest S ≥ 1 with h(S) ≥ need (h never falls as S grows)."""
        w, d = self.w, self.d
        if need <= self.h(1):
            return 1
        if w == 1:
            return need  # h(S) = max(S, D), and D < need here
        s = _cdiv(need - d, w - 1)  # while S ≤ D, h(S) = (W−1)·S + D
        return s if s <= d else _cdiv(need, w)  # past D, h(S) = W·S

    def strides(self, k: int) -> Span:
        w, o, d = self.w, self.o, self.d
        p1, p2 = self.pads(k)
        if p1 > p2:
            return (1, 0)
        room = 2 * p2 + o - 1 - d * (k - 1)  # (W−1)·S may not exceed this
        if room < 0:
            return (1, 0)
        hi = self.s_span[1] if w == 1 else room // (w - 1)
        lo = self.first_stride(2 * p1 + o - d * (k - 1))
        return _meet(self.s_span, (lo, hi))

    def base(self, k: int, s: int) -> int:
        return (self.w - 1) * s + arith.effective(k, self.d)

    def paddings(self, k: int, s: int) -> Span:
        gap = self.base(k, s) - self.o
        span = (_cdiv(gap, 2), (gap + max(s, self.d) - 1) // 2)
        return _meet(self.pads(k), span)

    def solution(self, k: int, s: int, p: int) -> Solution:
        return Solution(k, s, p, self.d, self.o - self.base(k, s) + 2 * p)
