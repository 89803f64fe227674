"""Which input positions a sliding window never reads, against torch's gradients.

A convolution of ones (or an average pool) summed to a scalar has a non-zero
gradient at exactly the input positions some window reads; every other position
is never read. cnncalc's runs (:func:`cnncalc.arith.unread_runs`) must name
exactly those, for every small configuration.
"""

from __future__ import annotations

import itertools

import pytest

from cnncalc import arith

from conftest import need_torch, run

torch = need_torch()
F = torch.nn.functional


def _torch_unread(w: int, k: int, s: int, pl: int, pr: int, d: int, ceil: bool) -> set[int]:
    x = torch.ones((1, 1, w), dtype=torch.float64, requires_grad=True)
    padded = F.pad(x, (pl, pr))
    if ceil:  # avg_pool1d pads itself (evenly) so that ceil mode sees the same windows
        y = F.avg_pool1d(x, k, s, pl, ceil_mode=True, count_include_pad=True)
    else:
        y = F.conv1d(padded, torch.ones((1, 1, k), dtype=torch.float64), stride=s, dilation=d)
    y.sum().backward()
    assert x.grad is not None
    return {i for i in range(w) if x.grad[0, 0, i] == 0}


def _ours(w: int, k: int, s: int, pl: int, pr: int, d: int, ceil: bool) -> tuple[set[int], int]:
    n = arith.pool_out(w, k, s, pl, d, True) if ceil else arith.window_out(w, k, s, pl, pr, d)
    runs = arith.unread_runs(w, k, s, pl, pr, d, n)
    return {i for a, b in runs for i in range(a, b + 1)}, n


CONV = [
    (w, k, s, pl, pr, d)
    for w, k, s, pl, pr, d in itertools.product(
        range(1, 13), range(1, 5), range(1, 6), range(3), range(3), range(1, 4)
    )
    if arith.window_out(w, k, s, pl, pr, d) >= 1
]


def test_unread_positions_match_torch_gradients() -> None:
    checked = 0
    for w, k, s, pl, pr, d in CONV:
        theirs = _torch_unread(w, k, s, pl, pr, d, False)
        ours, _ = _ours(w, k, s, pl, pr, d, False)
        assert ours == theirs, (w, k, s, pl, pr, d)
        gaps = arith.unread(w, k, s, pl, pr, d, arith.window_out(w, k, s, pl, pr, d))
        assert (gaps.count if gaps else 0) == len(theirs)
        checked += 1
    assert checked > 3000


def test_unread_positions_in_ceil_mode_match_torch() -> None:
    for w, k, s, p in itertools.product(range(1, 13), range(1, 5), range(1, 6), range(3)):
        if 2 * p > k or arith.pool_out(w, k, s, p, 1, True) < 1:
            continue  # torch: padding at most half the kernel
        ours, _ = _ours(w, k, s, p, p, 1, True)
        assert ours == _torch_unread(w, k, s, p, p, 1, True), (w, k, s, p)


def test_summary_of_a_huge_axis_is_bounded_and_exact() -> None:
    # conv 1 s2 on 10^12: every odd position, 5·10^11 of them, never listed one by one
    gaps = arith.unread(10**12, 1, 2, 0, 0, 1, 5 * 10**11)
    assert gaps is not None
    assert gaps.shown == ((1, 1), (3, 3), (10**12 - 1, 10**12 - 1))
    assert (gaps.runs, gaps.count, gaps.skips, gaps.floored) == (
        5 * 10**11,
        5 * 10**11,
        True,
        False,
    )


@pytest.mark.parametrize(
    ("spec", "dims", "expected"),
    [
        # reads rows 0, 2, 4, 6; the odd ones never (by hand: stride 2 passes over them)
        (
            "conv 8x1x1 s2",
            (8, 8),
            "H, W: input rows and columns 1, 3, 5, 7 are never read: every other one "
            "(stride 2 > kernel 1)",
        ),
        # 9 wide: windows at 0..8 step 2 tile exactly, yet 1, 3, 5, 7 are skipped
        (
            "conv 8x1x1 s2",
            (9, 9),
            "H, W: input rows and columns 1, 3, 5, 7 are never read: every other one "
            "(stride 2 > kernel 1)",
        ),
        # windows at 0, 3, 6: 1–2, 4–5 skipped, 7–8 too
        (
            "pool 1 s3",
            (1, 9, 9),
            "H, W: input rows and columns 1–2, 4–5, 7–8 are never read: 2 of every 3 "
            "(stride 3 > kernel 1)",
        ),
        # pool 2 on 191: windows 0–1 … 188–189; 190 dropped by the floor
        (
            "pool 2",
            (1, 191, 191),
            "H, W: (191 − 2 + 2·0)/2 + 1 = 95.5, floored to 95: input row and column 190 "
            "are never read",
        ),
        # only the rows differ from the columns: one line, two parts
        (
            "conv 1x1x1 s2",
            (1, 9, 6),
            "H: input rows 1, 3, 5, 7 are never read: every other one (stride 2 > kernel 1); "
            "W: input columns 1, 3, 5 are never read: every other one (stride 2 > kernel 1)",
        ),
    ],
)
def test_one_complete_line_per_layer(spec: str, dims: tuple[int, ...], expected: str) -> None:
    (layer,) = run(spec, *dims).layers
    # a 1-wide window (1x1, pool 1) subsamples by design: a note; the rest warn
    one_wide = " 1 s" in spec or "x1 s" in spec
    assert (layer.notes if one_wide else layer.warnings) == (expected,)
    assert not (layer.warnings if one_wide else layer.notes)


@pytest.mark.parametrize(
    ("spec", "warned"),
    [
        ("conv 8x1x1 s2", False),  # ResNet's projection shortcut: reads rows 0, 2, 4, …
        ("pool 1 s2", False),
        ("conv 8x1x3 s2", False),  # W reads columns 0–2, 2–4, …, 6–8; the 1-wide H skips
        ("conv 8x2x2 s3", True),  # windows 0–1, 3–4, 6–7: 2, 5, 8 skipped by a 2-wide window
        ("conv 8x1x1 s2 d3", False),  # a 1-wide window is 1 wide whatever its dilation
    ],
)
def test_a_strided_one_wide_window_is_a_note(spec: str, warned: bool) -> None:
    """torchvision's ResNets' 1×1 stride-2 shortcuts mean to read 1 of every 2
    positions (by hand: windows at 0, 2, 4, 6, 8 of 9); a wider window that leaves
    positions between its steps is probably a mistake."""
    (layer,) = run(spec, 4, 9, 9).layers
    assert bool(layer.warnings) is warned
    assert bool(layer.notes) is not warned
    found = (*layer.warnings, *layer.notes)
    assert len(found) == 1 and "never read" in found[0]
