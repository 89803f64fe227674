"""--explain shows the arithmetic; solve answers the inverse question."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc import arith
from cnncalc.solve import Bounds, solve

from conftest import invoke


def test_explain_course_example() -> None:
    code, out, _ = invoke(
        "conv 100x10x10 s1 p0 | pool 2 | fc 10", "--input", "200x200", "--explain"
    )
    assert code == 0
    text = out.split("How each figure is computed")[1]
    # (W − F + 2P)/S + 1 with the numbers, and params N × (C·F·F) + N
    assert "H: (200 − 10 + 2·0)/1 + 1 = 191" in text
    assert "params: 100 × (1·10·10) + 100 = 10,100" in text
    assert "MACs: 100·191·191 outputs × (1·10·10) = 364,810,000" in text
    # the slides' comparison, worked out: 40,000 inputs × 3,648,100 outputs
    assert "as dense:  (1·200·200) × (100·191·191) = 145,924,000,000 weights" in text
    assert "as shared: 10,000 weights + 100 biases" in text
    # the pool's floor shown: 189/2 + 1 = 95.5 → 95
    assert "H: (191 − 2 + 2·0)/2 + 1 = 95.5 → 95" in text
    assert "params: 902,500 × 10 + 10 = 9,025,010" in text


def test_explain_lenet_layers() -> None:
    code, out, _ = invoke("lenet5", "--explain")
    assert code == 0
    assert "params: 60 table links × (5·5) + 16 = 1,516" in out  # C3: Table I has 60 links
    assert "params: 6 × 2 (coefficient, bias) = 12" in out  # S2
    assert "connections: 4,704 + 1,176 biased units = 5,880" in out


def test_explain_dilation_and_same_padding() -> None:
    code, out, _ = invoke(
        "conv 4x3x3 s2 psame | conv 4x3x3 d2 p2", "--input", "4x28x28", "--explain"
    )
    assert code == 0
    assert "H: (28 − 3 + 0 + 1)/2 + 1 = 14" in out  # same: 1 pixel of padding, on the right
    assert "H: (14 − 2·(3 − 1) + 1 + 2·2)/1 + 1 = 14" in out


def test_solve_lists_smallest_first() -> None:
    code, out, _ = invoke("solve", "--in", "224", "--out", "112", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows[0] == {"kernel": 1, "stride": 2, "padding": 0, "dilation": 1,
                       "output_padding": 0, "exact": False}  # fmt: skip
    keys = [(r["kernel"], r["stride"], r["padding"], r["dilation"]) for r in rows]
    assert keys == sorted(keys)
    # ResNet's stem: 7x7, stride 2, padding 3 takes 224 to 112
    code, out, _ = invoke("solve", "--in", "224", "--out", "112", "--kernel", "7", "--json")
    assert [(r["stride"], r["padding"]) for r in json.loads(out)] == [(2, 3)]


def test_solve_transposed_and_none() -> None:
    code, out, _ = invoke(
        "solve", "--in", "7", "--out", "14", "--transposed", "--kernel", "4", "--json"
    )
    # (7 − 1)·2 − 2·1 + 3 + 0 + 1 = 14 (DCGAN's 4x4, stride 2, padding 1)
    assert {"kernel": 4, "stride": 2, "padding": 1, "dilation": 1, "output_padding": 0,
            "exact": True} in json.loads(out)  # fmt: skip
    code, out, err = invoke("solve", "--in", "5", "--out", "50", "--max-kernel", "3")
    assert code == 2 and out == ""
    assert err.startswith("error: no window takes 5 to 50 with kernel ≤ 3 and stride ≤ 8")


@given(st.integers(1, 300), st.integers(1, 300))
@settings(max_examples=60, deadline=None)
def test_every_solution_computes_back(size_in: int, size_out: int) -> None:
    bounds = Bounds(kernels=range(1, 8), strides=range(1, 5), dilations=range(1, 3))
    for s in solve(size_in, size_out, bounds):
        assert (
            arith.window_out(size_in, s.kernel, s.stride, s.padding, s.padding, s.dilation)
            == size_out
        )
    for s in solve(size_in, size_out, bounds, transposed=True):
        got = arith.transposed_out(
            size_in, s.kernel, s.stride, s.padding, s.dilation, s.output_padding
        )
        assert got == size_out
