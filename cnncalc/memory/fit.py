"""The largest batch whose predicted peak fits in a given memory (``--fit 24GiB``).

Every tensor of the walk grows with the batch and none shrinks, so each peak is
non-decreasing in the batch and the largest batch that fits is found by search:
a first guess from the peaks at batch 1 and 2 (the peak is close to linear in
the batch), then, in turn, a step to where the line through the bracket's ends
meets the limit (and a probe beside it) and a step that halves the bracket.
Every candidate is walked, so the answer does not rest on the guesses: a
handful of walks usually, about three times log2 of the batch at most.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

from cnncalc.errors import SpecError
from cnncalc.memory.model import DTYPES
from cnncalc.memory.walk import Peak, Peaks
from cnncalc.number import MAX_DIGITS, short
from cnncalc.record import Record
from cnncalc.report import Report

UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "pb": 10**15,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
    "pib": 2**50,
    "k": 2**10,
    "m": 2**20,
    "g": 2**30,
    "t": 2**40,
    "p": 2**50,
}
"""Decimal (kB, MB, GB: powers of 1000) and binary (KiB, MiB, GiB: powers of
1024) units, any case. A card sold as "24 GB" usually holds 24 GiB. A bare
K, M, G, T or P is binary, as ``nvidia-smi``, ``free -h`` and torch's memory
summary mean it: ``24G`` is 24 GiB."""

_SIZE = re.compile(r"([0-9]*\.?[0-9]*)\s*([A-Za-z]*)")


def parse_size(text: str) -> int:
    """``24GiB``, ``24 GB``, ``1.5TiB``, ``25769803776``: whole bytes (a fraction of
    a byte is dropped), at least 1. ASCII digits, at most 30 of them, no exponent."""
    shown = short(text.strip(), 40)
    match = _SIZE.fullmatch(text.strip())
    if not match or not any(c.isdigit() for c in match.group(1)):
        raise SpecError(f"--fit {shown}: expected a size such as 24GiB, 24GB or 25769803776")
    number, unit = match.groups()
    if unit.lower() not in UNITS:
        raise SpecError(
            f"--fit {shown}: unknown unit {short(unit, 12)!r}; use B, kB, MB, GB, TB, PB "
            "(powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024; K, M, G, T, P "
            "alone mean these)"
        )
    if sum(c.isdigit() for c in number.lstrip("0")) > MAX_DIGITS:
        raise SpecError(f"--fit {shown}: at most {MAX_DIGITS} digits")
    nbytes = int(Fraction(number if number[0] != "." else "0" + number) * UNITS[unit.lower()])
    if nbytes < 1:
        raise SpecError(f"--fit {shown}: the size must be at least 1 byte")
    return nbytes


class Found(Record):
    """The largest ``batch`` whose peak fits (0: not even batch 1), its peak
    (``peak``, None for batch 0) and the peak one batch more needs (``over``)."""

    batch: int
    peak: Peak | None
    over: Peak


class Fit(Record):
    limit: int
    dtype: str
    optimizer: str
    amp: str | None
    inplace_relu: bool
    training: Found
    inference: Found


def fit(
    report: Report,
    limit: int,
    dtype: str = "float32",
    optimizer: str = "adam",
    amp: str | None = None,
    inplace_relu: bool = True,
    attention: str = "auto",
) -> Fit:
    """The largest batch for one training step and for one no-grad forward whose
    predicted peak (:func:`cnncalc.memory.estimate`) is at most ``limit`` bytes."""
    peaks = Peaks(report, DTYPES[dtype], optimizer, amp is not None, inplace_relu, attention)
    return Fit(
        limit=limit,
        dtype=dtype,
        optimizer=optimizer,
        amp=amp,
        inplace_relu=inplace_relu,
        training=largest(peaks.training, limit),
        inference=largest(peaks.inference, limit),
    )


def largest(peak: Callable[[int], Peak], limit: int) -> Found:
    """The largest batch ``b`` with ``peak(b).bytes <= limit``, for a ``peak``
    non-decreasing in ``b``."""
    seen: dict[int, Peak] = {}

    def at(batch: int) -> int:
        if batch not in seen:
            seen[batch] = peak(batch)
        return seen[batch].bytes

    if at(1) > limit:
        return Found(0, None, seen[1])
    if at(2) > limit:
        return Found(1, seen[1], seen[2])
    # the line through batch 1 and 2 meets the limit near the answer; peaks grow at
    # least that fast (each extra sample adds at least what the second one did)
    slope = max(at(2) - at(1), 1)
    lo, hi = 2, 2 + (limit - at(2)) // slope + 1  # lo fits; hi is a guess
    while at(hi) <= limit:  # the guess fits after all: double until one does not
        lo, hi = hi, 2 * hi
    chord = True  # chord steps (with a probe beside) and halvings, in turn
    while hi - lo > 1:
        if chord:  # where the line through lo and hi meets the limit, kept inside
            step = lo + (limit - at(lo)) * (hi - lo) // max(at(hi) - at(lo), 1)
            step = min(max(step, lo + 1), hi - 1)
        else:
            step = (lo + hi) // 2
        if at(step) <= limit:
            lo = step
            if chord and step + 1 < hi and at(step + 1) > limit:
                hi = step + 1
        else:
            hi = step
            if chord and step - 1 > lo and at(step - 1) <= limit:
                lo = step - 1
        chord = not chord
    return Found(lo, seen[lo], seen[hi])
