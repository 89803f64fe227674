"""Output-size arithmetic for sliding windows, in integers only.

Each function states one formula from PyTorch's or Keras's documentation so it
can be checked against its origin in one place. No floats: sizes can be 10**12.
"""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.record import Record


def effective(kernel: int, dilation: int) -> int:
    """Span of a dilated kernel: D·(F−1) + 1."""
    return dilation * (kernel - 1) + 1


def window_out(
    size: int, kernel: int, stride: int, pad_l: int, pad_r: int, dilation: int = 1
) -> int:
    """torch.nn.Conv*d: floor((W + P_l + P_r − D·(F−1) − 1)/S) + 1.

    With symmetric padding this is (W − F + 2P)/S + 1 for D=1. The result may be
    below 1; the caller reports that as an error.
    """
    return (size + pad_l + pad_r - effective(kernel, dilation)) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """Keras/TF 'same': out = ceil(W/S); the odd pixel of padding goes right/bottom."""
    out = -(-size // stride)
    total = max((out - 1) * stride + effective(kernel, dilation) - size, 0)
    return total // 2, total - total // 2


def pool_out(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool) -> int:
    """torch's pooling_output_shape: in ceil mode the last window must start
    inside the input or its left padding, else it is dropped."""
    span = size + 2 * pad - effective(kernel, dilation)
    out = (span + (stride - 1 if ceil else 0)) // stride + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def transposed_out(
    size: int, kernel: int, stride: int, pad: int, dilation: int, output_padding: int
) -> int:
    """torch.nn.ConvTranspose*d: (W−1)·S − 2P + D·(F−1) + OP + 1."""
    return (size - 1) * stride - 2 * pad + dilation * (kernel - 1) + output_padding + 1


def same_transposed_padding(kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """torch (padding, output_padding) giving a transposed conv out = W·S, as Keras's
    'same' does: 2P − OP must equal D·(F−1) + 1 − S."""
    need = effective(kernel, dilation) - stride
    pad = max(-(-need // 2), 0)
    return pad, 2 * pad - need


class Unread(Record):
    """Input positions a floored window division never reads.

    ``first``/``last`` index the real input (``None`` when only padding is left
    over); ``padding`` counts unused padding positions at the far end.
    """

    first: int | None
    last: int | None
    padding: int


def unread_tail(
    size: int, kernel: int, stride: int, pad_l: int, pad_r: int, dilation: int, out: int
) -> Unread | None:
    """What the last window leaves unread when (W + P − F_eff) is not a multiple of S."""
    if (size + pad_l + pad_r - effective(kernel, dilation)) % stride == 0:
        return None
    last_read = (out - 1) * stride - pad_l + effective(kernel, dilation) - 1
    if last_read < size - 1:
        return Unread(last_read + 1, size - 1, pad_r)
    return Unread(None, None, size + pad_r - 1 - last_read)


class Gaps(Record):
    """The input positions of one axis that no window reads, as runs ``(first, last)``.

    ``shown`` holds every run when there are at most four, else the first two and
    the last; ``runs`` counts them all and ``count`` the positions. ``skips``: the
    stride passes over some (stride > the kernel's span, or a dilated kernel's
    holes); ``floored``: the division was floored and the dropped window would
    have started on real input; ``padding``: unused padding at the far end.
    """

    shown: tuple[tuple[int, int], ...]
    runs: int
    count: int
    skips: bool
    floored: bool
    padding: int


ENUMERATE = 1 << 22
"""A dilated window's positions are marked one by one up to this much work;
beyond, its holes are taken as read (only its span's gaps and tail are found)."""


def unread(
    size: int,
    kernel: int,
    stride: int,
    pad_l: int,
    pad_r: int,
    dilation: int,
    out: int,
    ceil: bool = False,
) -> Gaps | None:
    """Every input position ``out`` windows leave unread, with why; ``None`` when
    each position is read and no padding is wasted. Work is bounded whatever
    the sizes: runs are found by formula (see :func:`unread_runs`)."""
    keff = effective(kernel, dilation)
    end = (out - 1) * stride - pad_l + keff  # the first position after the last window
    padding = 0 if ceil else max(0, size + pad_r - max(end, size))
    floored = (size + pad_l + pad_r - keff) % stride != 0 and out * stride - pad_l < size
    runs = _Runs(size, kernel, stride, pad_l, dilation, out)
    total = runs.total()
    if total == 0:
        return Gaps((), 0, 0, False, False, padding) if padding else None
    first = list(runs.take(total if total <= 4 else 2))
    shown = tuple(first) if total <= 4 else (*first, runs.last())
    return Gaps(shown, total, runs.count(), runs.skips(), floored and end < size, padding)


def unread_runs(
    size: int, kernel: int, stride: int, pad_l: int, pad_r: int, dilation: int, out: int
) -> list[tuple[int, int]]:
    """All the unread runs, for a small axis (tests, ``--explain``)."""
    runs = _Runs(size, kernel, stride, pad_l, dilation, out)
    return list(runs.take(runs.total()))


class _Runs:
    """The unread runs of one axis. Window ``j`` reads ``j·S − P_l + t·D`` for
    ``t < F``. Undilated (or too large to mark), window ``j`` covers a span
    followed by a gap of ``S − F`` positions: gap ``j`` is
    ``[j·S − P_l + F, (j+1)·S − P_l − 1]`` for ``j < out − 1``, and the tail runs
    from the last window's end to the input's; each is clipped to the input."""

    def __init__(
        self, size: int, kernel: int, stride: int, pad_l: int, dilation: int, out: int
    ) -> None:
        self.w, self.s, self.pl, self.n = size, stride, pad_l, out
        self.k = effective(kernel, dilation)
        self.marked: list[tuple[int, int]] | None = None
        if dilation > 1 and kernel > 1 and kernel * out <= ENUMERATE and size <= ENUMERATE:
            self.marked = _mark(size, kernel, stride, pad_l, dilation, out)
            return
        self.end = (out - 1) * stride - pad_l + self.k
        self.tail = self.end < size
        self.j0 = self.j1 = 0
        self.gaps = 0
        if stride > self.k and size - 1 + pad_l - self.k >= 0:
            self.j0 = -(-(pad_l + 1) // stride) - 1
            self.j1 = min(out - 2, (size - 1 + pad_l - self.k) // stride)
            self.gaps = max(0, self.j1 - self.j0 + 1)

    def total(self) -> int:
        if self.marked is not None:
            return len(self.marked)
        return self.gaps + self.tail

    def run(self, i: int) -> tuple[int, int]:
        if self.marked is not None:
            return self.marked[i]
        if i < self.gaps:
            j = self.j0 + i
            first = j * self.s - self.pl + self.k
            return max(first, 0), min(first + self.s - self.k - 1, self.w - 1)
        return max(self.end, 0), self.w - 1

    def take(self, count: int) -> Iterator[tuple[int, int]]:
        return (self.run(i) for i in range(count))

    def last(self) -> tuple[int, int]:
        return self.run(self.total() - 1)

    def count(self) -> int:
        if self.marked is not None:
            return sum(b - a + 1 for a, b in self.marked)
        size = 0
        if self.gaps:
            ends = {0, self.gaps - 1}
            size += sum(b - a + 1 for a, b in (self.run(i) for i in ends))
            size += max(0, self.gaps - 2) * (self.s - self.k)
        if self.tail:
            a, b = self.run(self.gaps)
            size += b - a + 1
        return size

    def skips(self) -> bool:
        """Some run lies between windows (or in a dilated kernel's holes)."""
        if self.marked is not None:
            before = (self.n - 1) * self.s - self.pl + self.k
            return any(a < before for a, _ in self.marked) or self.s > self.k
        return self.gaps > 0 or (self.tail and self.s > self.k)


def _mark(
    size: int, kernel: int, stride: int, pad_l: int, dilation: int, out: int
) -> list[tuple[int, int]]:
    """The unread runs of a dilated window, position by position (bounded by
    :data:`ENUMERATE`): each tap ``t`` reads ``t·D − P_l + j·S``, j < out."""
    import re

    read = bytearray(size)
    for t in range(kernel):
        start = t * dilation - pad_l
        low = max(0, -(start // stride))  # the least j with start + j·S ≥ 0
        high = min(out - 1, (size - 1 - start) // stride)
        if high >= low:
            read[start + low * stride : start + high * stride + 1 : stride] = b"\x01" * (
                high - low + 1
            )
    return [(m.start(), m.end() - 1) for m in re.finditer(b"\x00+", bytes(read))]


def exact_ratio(num: int, den: int) -> str:
    """``num/den`` as a short decimal, exact when it is whole: 95, 95.5, 66.67.

    Integer arithmetic only, so a huge numerator is never rounded by a float.
    """
    if num < 0:
        return "-" + exact_ratio(-num, den)
    whole, rest = divmod(num, den)
    if rest == 0:
        return str(whole)
    hundredths = (rest * 100 * 2 + den) // (2 * den)  # rounded half up
    if hundredths == 100:
        return str(whole + 1)
    return f"{whole}.{hundredths:02d}".rstrip("0")
