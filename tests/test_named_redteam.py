"""Names red-teamed: what a hostile or careless user found in ``as NAME`` and the
joins that read names, each checked against figures worked out by hand or by torch."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from cnncalc.memory import estimate

from conftest import error, invoke, kept_by_autograd, run


def test_many_outputs_and_many_reads_answer_at_once() -> None:
    """3,333 named outputs left by a 'from' and 3,333 joins that each read 'a' 64
    times (10,000 layers, the default limit): which outputs nothing reads was found
    by comparing every output with every read, 3,333 · 213,312 ≈ 7·10⁸ steps (32 s);
    it must be linear. A generous timeout is only a hang guard."""
    spec = "relu as a | " + " | ".join(
        f"relu as b{i} | from a | add " + ",".join(["a"] * 64) for i in range(3333)
    )
    done = subprocess.run(
        [sys.executable, "-m", "cnncalc", "-", "--input", "3x8x8", "--format", "json"],
        input=spec,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr
    outputs = json.loads(done.stdout)["outputs"]  # every b_i: nothing reads it
    assert [o["name"] for o in outputs] == [f"b{i}" for i in range(3333)]


@pytest.mark.parametrize(
    ("spec", "kept"),
    [
        # batch 2, 3×8×8, float32; a 4×8×8 map is 2·4·64·4 = 2,048 bytes, the input
        # 2·3·64·4 = 1,536. Each conv keeps its input: 1,536 + 2,048 + 2,048. x·a·b is
        # (x·a)·b, as torch runs it: x·a keeps x and a, then ·b keeps x·a (a new
        # 2,048) and b: 1,536 + 4 · 2,048 = 9,728.
        ("conv 4x3x3 p1 as a | conv 4x3x3 p1 as b | conv 4x3x3 p1 | mul a,b", 9_728),
        # a·a·a: a·a keeps a once (one tensor), (a·a)·a keeps a·a: 1,536 + 2 · 2,048
        ("conv 4x3x3 p1 as a | mul a,a", 5_632),
    ],
)
@pytest.mark.parametrize("inplace", [True, False])
def test_a_product_of_several_names_keeps_each_partial_product(
    spec: str, kept: int, inplace: bool
) -> None:
    predicted, saved = kept_by_autograd(spec, inplace)
    assert saved == kept
    assert predicted == kept


def test_arcs_of_a_name_given_twice_start_at_the_item_read() -> None:
    """Each 'add a' reads the newest 'a' before it, so each arc runs forward, from
    the left to the right, and the two start at different maps."""
    from cnncalc.render import svg

    spec = "conv 4x3x3 p1 as a | conv 4x3x3 p1 | add a | conv 4x3x3 p1 as a | conv 4x3x3 p1 | add a"
    drawn = svg.render(run(spec, 3, 16, 16), layout="strip")
    arcs = re.findall(
        r'<path d="M([\d.]+),[\d.]+ C[^"]* ([\d.]+),[\d.]+" fill="none" stroke="#d35400"', drawn
    )
    assert len(arcs) == 2
    starts = [float(a) for a, _ in arcs]
    ends = [float(b) for _, b in arcs]
    assert all(a < b for a, b in zip(starts, ends, strict=True)), arcs
    assert starts[0] != starts[1]


def test_strict_refuses_the_work_a_from_leaves() -> None:
    """--strict: every warning is an error, the unnamed output a 'from' leaves too."""
    spec = "conv 8x3x3 as a | conv 4x1x1 | from a | gap"
    assert run(spec, 3, 8, 8).layers[2].warnings  # a warning without --strict
    code, out, err = invoke(spec, "--input", "3x8x8", "--strict")
    assert code == 2 and out == "" and "Traceback" not in err
    first, line, caret = err.splitlines()
    assert first.startswith("error: layer 3 'from a': the output of layer 2 (conv 4x1x1)")
    assert first.endswith("(--strict)")
    assert line[caret.index("^") : len(caret)] == "a"


def test_a_name_given_again_cannot_hide_an_output() -> None:
    """'q' (layer 2) is left by 'from p' and nothing has read it, so it is an output;
    naming layer 4 'q' too would hide it from every later read and from the module's
    outputs (the first q would be lost without a word): an error at the second name."""
    spec = "conv 4x3x3 p1 as p | conv 4x1x1 as q | from p | conv 4x1x1 as q | add q"
    exc = error(spec, 3, 8, 8)
    assert "'q'" in exc.message and "from" in exc.message
    assert exc.location is not None
    assert exc.location.line[exc.location.start : exc.location.end] == "q"
    assert exc.location.start == spec.rindex("as q") + 3
    code, _, err = invoke(spec, "--input", "3x8x8")
    assert code == 2 and err.count("\n") == 3 and "Traceback" not in err
    # read first, the name is free again: q (4×8×8) + q = q; 8 channels after 'cat q'
    fine = run(
        "conv 4x3x3 p1 as p | conv 4x1x1 as q | from p | add q | conv 4x1x1 as q | cat q", 3, 8, 8
    )
    assert fine.output_shape == (8, 8, 8) and fine.outputs == ()
    # and a block named again the same way is refused too
    exc = error("conv 4x3x3 p1 as p | [relu]*2 as q | from p | [relu]*2 as q", 3, 8, 8)
    assert "'q'" in exc.message


def test_kept_outputs_stay_linear_in_memory() -> None:
    """Memory of the 3,333-output network above, batch 1: each b_i is 3×8×8 float32
    (768 bytes) and kept to the end; an estimate must not take long either."""
    spec = "relu as a | " + " | ".join(f"relu as b{i} | from a | add a" for i in range(3333))
    report = run(spec, 3, 8, 8)
    assert len(report.outputs) == 3333
    assert estimate(report).inference_peak_bytes >= 3333 * 768
