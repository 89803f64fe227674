"""Bounded work (issue 11, item 3): no size a user gives is ever looped over.

Adaptive pooling's widest window and ``solve`` are computed in closed form; each is
checked here against a brute force written from the textbook formulas, and the
reproducers from the issue must answer at once (the work is bounded by counting:
solve's candidate budget; a generous subprocess timeout is only a hang guard).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.kinds.pooling import adaptive_span as _adaptive_span
from cnncalc.solve import BUDGET, Bounds, SearchTooWide, solve

from conftest import invoke, need_torch, run
from oracles import brute

# --- adaptive pooling ------------------------------------------------------


def test_adaptive_span_against_brute_force() -> None:
    """Every window i runs from floor(i·W/S) to ceil((i+1)·W/S) (torch's
    adaptive_avg_pool): the widest, over all W, S ≤ 200, found by trying every i."""
    for w in range(1, 201):
        for s in range(1, 201):
            widest = max((-(-(i + 1) * w // s)) - (i * w // s) for i in range(s))
            assert _adaptive_span(w, s) == widest, (w, s)


@pytest.mark.parametrize(("size", "out"), [(7, 3), (3, 7), (13, 6), (10, 4), (5, 5), (1, 9)])
def test_adaptive_span_against_torch(size: int, out: int) -> None:
    """torch's own windows: pooling the rows of an identity matrix shows which inputs
    each output averages."""
    torch = need_torch()
    eye = torch.eye(size).reshape(size, 1, size)
    pooled = torch.nn.AdaptiveAvgPool1d(out)(eye)[:, 0, :]  # [input j, output i]
    widths = (pooled != 0).sum(dim=0)
    assert _adaptive_span(size, out) == int(widths.max())


def test_adaptive_pool_of_a_billion_answers_at_once() -> None:
    # the reproducer: 7 inputs spread over 1,000,000,001 = 7 × 142,857,143
    # outputs: each input is copied to 142,857,143 outputs, each output reads one input
    report = run("adaptivepool 1000000001", 3, 7, 7)
    assert report.output_shape == (3, 1000000001, 1000000001)
    assert report.layers[0].field is not None
    assert report.layers[0].field.sizes == (1, 1)
    # 10⁹ is prime to 7: some window i has 7i mod 10⁹ = 10⁹ − 1 and straddles two inputs
    report = run("adaptivepool 1000000000", 3, 7, 7)
    assert report.layers[0].field is not None
    assert report.layers[0].field.sizes == (2, 2)


# --- solve -----------------------------------------------------------------


@st.composite
def searches(draw: st.DrawFn) -> tuple[int, int, Bounds, bool, bool]:
    k1 = draw(st.integers(1, 6))
    s1 = draw(st.integers(1, 4))
    d1 = draw(st.integers(1, 4))
    some = st.builds(lambda a, n: range(a, a + n), st.integers(0, 14), st.integers(1, 3))
    pads = draw(st.none() | some)
    bounds = Bounds(
        kernels=range(k1, k1 + draw(st.integers(1, 9))),
        strides=range(s1, s1 + draw(st.integers(1, 6))),
        paddings=pads,
        dilations=range(d1, d1 + draw(st.sampled_from([1, 1, 3]))),
    )
    sizes = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    return *sizes, bounds, draw(st.booleans()), draw(st.booleans())


@given(searches())
@settings(max_examples=800, deadline=None)
def test_solve_against_brute_force(case: tuple[int, int, Bounds, bool, bool]) -> None:
    w, o, bounds, transposed, exact = case
    got = [
        (s.kernel, s.stride, s.padding, s.dilation, s.output_padding, s.exact)
        for s in solve(w, o, bounds, transposed, exact)
    ]
    assert got == brute(w, o, bounds, transposed, exact)


def test_solve_against_brute_force_on_a_grid() -> None:
    """The CLI's default search, every in and out up to 24, both kinds."""
    bounds = Bounds()
    for w in range(1, 25):
        for o in range(1, 25):
            for transposed in (False, True):
                got = [
                    (s.kernel, s.stride, s.padding, s.dilation, s.output_padding, s.exact)
                    for s in solve(w, o, bounds, transposed)
                ]
                assert got == brute(w, o, bounds, transposed, False), (w, o, transposed)


HUGE = str(10**12)


@pytest.mark.parametrize(
    "args",
    [
        ["--transposed", "--dilation", HUGE],
        ["--transposed", "--stride", HUGE],
        ["--transposed", "--max-kernel", "1000000"],
        ["--transposed", "--max-stride", HUGE],
        ["--transposed", "--padding", HUGE],
        ["--dilation", HUGE],
        ["--stride", HUGE],
        ["--max-kernel", "1000000"],
        ["--max-stride", HUGE],
        ["--padding", HUGE],
        ["--max-kernel", HUGE, "--max-stride", HUGE, "--dilation", "2"],
        ["--max-kernel", HUGE, "--max-stride", HUGE, "--padding", HUGE, "--exact"],
        ["--transposed", "--max-kernel", HUGE, "--max-stride", HUGE, "--dilation", HUGE],
    ],
)
def test_solve_huge_values_answer(args: list[str]) -> None:
    """The issue's reproducers (7 → 14) and their combinations: an answer or a
    clean 'no solution', never a hang (solve's budget bounds the work)."""
    code, _, err = invoke("solve", "--in", "7", "--out", "14", "--json", *args)
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1


def test_solve_transposed_huge_dilation_finds_the_output_padding() -> None:
    # K=1, S=1, P=0: (7−1)·1 − 0 + 10¹²·0 + OP + 1 = 14 → OP = 7 < max(1, 10¹²)
    code, out, _ = invoke(
        "solve", "--in", "7", "--out", "14", "--transposed", "--dilation", HUGE, "--json"
    )
    assert code == 0
    assert '"output_padding": 7' in out


def test_solve_budget_stops_a_fruitless_search() -> None:
    # exact tiling with P=0, D=10⁶ needs 10¹² − 1 − 10⁶·(K−1) = 999,999·S:
    # K ≡ 1 (mod 999,999), so nothing between K=2 and K=999,999: the budget stops it
    bounds = Bounds(range(2, 10**15), range(1, 10**12), range(0, 1), range(10**6, 10**6 + 1))
    with pytest.raises(SearchTooWide) as info:
        list(solve(10**12, 10**6, bounds, exact=True))
    assert info.value.kernel <= BUDGET + 2
    code, _, err = invoke(
        "solve",
        "--in",
        str(10**12),
        "--out",
        str(10**6),
        "--padding",
        "0",
        "--dilation",
        str(10**6),
        "--max-kernel",
        str(10**15),
        "--max-stride",
        HUGE,
        "--exact",
    )
    assert code == 2 and "is too wide" in err and err.count("\n") == 1


def test_solve_no_solution_points_to_transposed() -> None:
    code, _, err = invoke("solve", "--in", "5", "--out", "50", "--max-kernel", "3")
    assert code == 2 and "try --transposed" in err
    code, _, err = invoke(
        "solve", "--in", "50", "--out", "5", "--max-kernel", "1", "--max-stride", "1"
    )
    assert code == 2 and "--transposed" not in err


def test_solve_cli_in_a_subprocess_is_quick() -> None:
    """Hang guard only: the reproducer, as a user runs it."""
    argv = [sys.executable, "-m", "cnncalc", "solve", "--in", "7", "--out", "14"]
    done = subprocess.run(
        [*argv, "--transposed", "--dilation", HUGE], capture_output=True, text=True, timeout=20
    )
    assert done.returncode == 0


# --- residuals and concats that change rank --------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("res[fc 1]", "cannot add: the body gives 1 but the input (identity shortcut) gives 4x8x8"),
        ("res[flatten]", "the body gives 256 but the input (identity shortcut) gives 4x8x8"),
        ("res[relu ; fc 3]", "the body gives 4x8x8 but the shortcut gives 3"),
        ("cat[fc 3 ; relu]", "branch 2 gives 4x8x8 but branch 1 gives 3"),
    ],
)
def test_rank_changing_paths_are_errors(spec: str, message: str) -> None:
    code, out, err = invoke(spec, "--input", "4x8x8")
    assert code == 2 and out == ""
    assert message in err and "-D" in err
    assert err.startswith("error: ") and "internal error" not in err
