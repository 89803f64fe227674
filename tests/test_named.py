"""Names and the joins that read them: ``as NAME``, ``add``/``mul``/``cat``/
``catcrop``/``from NAME``. Oracles: hand-written torch.nn modules, the nested
form of the same network, and sums worked out in comments."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cnncalc import SpecError
from cnncalc.memory import estimate
from cnncalc.presets import load
from cnncalc.readers.spec import parse

from conftest import error, invoke, kept_by_autograd, need_torch, run

ROOT = Path(__file__).resolve().parent.parent

UNET_LEVEL_FLAT = (
    "[conv 64x3x3 | relu]*2 as skip | pool 2 | [conv 128x3x3 | relu]*2 | "
    "deconv 64x2x2 s2 | catcrop skip"
)
UNET_LEVEL_NESTED = (
    "[conv 64x3x3 | relu]*2 | catcrop[ ; pool 2 | [conv 128x3x3 | relu]*2 | deconv 64x2x2 s2 ]"
)


def test_a_unet_level_flat_is_the_nested_one() -> None:
    """The README's pair, on 64×568×568: 2·(64·64·9 + 64) = 73,856; 64·128·9 + 128 =
    73,856 and 128·128·9 + 128 = 147,584; the deconv 128·64·4 + 64 = 32,832: 328,128.
    568 → 566 → 564 (the skip) → 282 → 280 → 278 → 556; 564 cropped to 556: 64 + 64
    channels."""
    flat, nested = run(UNET_LEVEL_FLAT, 64, 568, 568), run(UNET_LEVEL_NESTED, 64, 568, 568)
    assert flat.total == nested.total
    assert flat.total.params == 2 * (64 * 64 * 9 + 64) + 73_856 + 147_584 + 32_832 == 328_128
    assert flat.output_shape == nested.output_shape == (128, 556, 556)
    assert flat.layers[-1].field == nested.tree[-1].field


UNET_FLAT = " | ".join(
    [
        "[conv 64x3x3 | relu]*2 as d1 | pool 2",
        "[conv 128x3x3 | relu]*2 as d2 | pool 2",
        "[conv 256x3x3 | relu]*2 as d3 | pool 2",
        "[conv 512x3x3 | relu]*2 as d4 | pool 2",
        "[conv 1024x3x3 | relu]*2 | dropout 0.5",
        "deconv 512x2x2 s2 | catcrop d4 | [conv 512x3x3 | relu]*2",
        "deconv 256x2x2 s2 | catcrop d3 | [conv 256x3x3 | relu]*2",
        "deconv 128x2x2 s2 | catcrop d2 | [conv 128x3x3 | relu]*2",
        "deconv 64x2x2 s2 | catcrop d1 | [conv 64x3x3 | relu]*2",
        "conv 2x1x1",
    ]
)


def test_the_unet_written_flat_is_the_preset() -> None:
    """Ronneberger et al.'s U-Net as the paper draws it (Fig. 1), flat: the same
    31,030,658 parameters (counted by hand in test_architectures.py), MACs and
    2×388×388 output as the nested preset."""
    flat = run(UNET_FLAT, 1, 572, 572)
    preset = load("unet")
    from cnncalc.engine import analyze

    nested = analyze(preset)
    assert flat.total == nested.total
    assert flat.total.params == 31_030_658
    assert flat.output_shape == nested.output_shape == (2, 388, 388)


def _toy_fpn_spec() -> str:
    return (
        "conv 8x3x3 s2 p1 | relu as c2 | conv 16x3x3 s2 p1 | relu as c3 | "
        "conv 32x3x3 s2 p1 | relu | conv 12x1x1 as inner3 | conv 12x3x3 p1 as p3 | "
        "from inner3 | upsample 2 as top3 | from c3 | conv 12x1x1 | add top3 as inner2 | "
        "conv 12x3x3 p1 as p2 | from inner2 | upsample 2 as top2 | from c2 | conv 12x1x1 | "
        "add top2 | conv 12x3x3 p1"
    )


def _toy_fpn() -> Any:
    """The toy FPN above, by hand in torch.nn (torchvision's FeaturePyramidNetwork:
    a lateral 1×1, the coarser sum upsampled (nearest) and added, a 3×3 output conv)."""
    torch = need_torch()
    nn = torch.nn

    class Net(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.b2 = nn.Conv2d(3, 8, 3, 2, 1)
            self.b3 = nn.Conv2d(8, 16, 3, 2, 1)
            self.b4 = nn.Conv2d(16, 32, 3, 2, 1)
            self.inner3 = nn.Conv2d(32, 12, 1)
            self.out3 = nn.Conv2d(12, 12, 3, padding=1)
            self.lat2 = nn.Conv2d(16, 12, 1)
            self.out2 = nn.Conv2d(12, 12, 3, padding=1)
            self.lat1 = nn.Conv2d(8, 12, 1)
            self.out1 = nn.Conv2d(12, 12, 3, padding=1)

        def forward(self, x: Any) -> Any:
            up = nn.functional.interpolate
            c2 = torch.relu(self.b2(x))
            c3 = torch.relu(self.b3(c2))
            inner3 = self.inner3(torch.relu(self.b4(c3)))
            inner2 = self.lat2(c3) + up(inner3, scale_factor=2.0)
            inner1 = self.lat1(c2) + up(inner2, scale_factor=2.0)
            return self.out3(inner3), self.out2(inner2), self.out1(inner1)

    return Net()


def test_toy_fpn_against_torch() -> None:
    torch = need_torch()
    from torch.utils.flop_counter import FlopCounterMode

    report = run(_toy_fpn_spec(), 3, 32, 32)
    net = _toy_fpn().eval()
    with FlopCounterMode(display=False) as counter:
        p3, p2, p1 = net(torch.zeros(1, 3, 32, 32))
    assert report.total.params == sum(p.numel() for p in net.parameters())
    assert report.total.macs == counter.get_total_flops() // 2
    assert report.output_shape == tuple(p1.shape[1:]) == (12, 16, 16)
    assert [(name, shape) for name, _, shape in report.outputs] == [
        ("p3", tuple(p3.shape[1:])),
        ("p2", tuple(p2.shape[1:])),
    ]
    assert not report.warnings


def test_fpn_example_adds_its_counts_to_resnet50() -> None:
    """examples/fpn_resnet50.yaml: ResNet-50 without its fc (25,557,032 − 2048·1000 −
    1000 = 23,508,032 params; 4,089,184,256 − 2,048,000 MACs) plus the FPN:
    laterals (256 + 512 + 1024 + 2048)·256 + 4·256 = 984,064 and four 3×3 convs
    4·(256·256·9 + 256) = 2,360,320 params; MACs 256·(2048·7² + 1024·14² + 512·28² +
    256·56²) = 385,351,680 and 256·256·9·(7² + 14² + 28² + 56²) = 2,456,616,960."""
    code, out, err = invoke(str(ROOT / "examples" / "fpn_resnet50.yaml"), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["total"]["params"] == 23_508_032 + 984_064 + 2_360_320
    assert data["total"]["macs"] == 4_089_184_256 - 2_048_000 + 385_351_680 + 2_456_616_960
    assert data["output_shape"] == [256, 4, 4]  # LastLevelMaxPool: max_pool2d(p5, 1, 2)
    assert data["outputs"] == [
        {"name": "p5", "path": "p5", "shape": [256, 7, 7]},
        {"name": "p4", "path": "p4", "shape": [256, 14, 14]},
        {"name": "p3", "path": "p3", "shape": [256, 28, 28]},
        {"name": "p2", "path": "p2", "shape": [256, 56, 56]},
    ]


def test_emitted_module_runs_and_keeps_named_outputs() -> None:
    torch = need_torch()
    code, source, err = invoke(_toy_fpn_spec(), "--input", "3x32x32", "--emit", "torch")
    assert code == 0, err
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(source, "<emitted>", "exec"), namespace)
    net = namespace["Net"]().eval()
    y = net(torch.zeros(2, 3, 32, 32))
    report = run(_toy_fpn_spec(), 3, 32, 32)
    assert tuple(y.shape[1:]) == report.output_shape
    assert sum(p.numel() for p in net.parameters()) == report.total.params
    assert tuple(net.layers.outputs["p3"].shape[1:]) == (12, 4, 4)
    assert tuple(net.layers.outputs["p2"].shape[1:]) == (12, 8, 8)


@pytest.mark.parametrize(
    "spec",
    [
        "conv 8x3x3 p1 as a | relu | conv 8x3x3 p1 | add a",
        "conv 8x3x3 p1 | relu as a | conv 8x3x3 p1 | sigmoid | mul a",
        "conv 8x3x3 p1 as a | gap | conv 8x1x1 | sigmoid | mul a",
        "conv 8x3x3 p1 as a | conv 4x3x3 | catcrop a",
        "conv 8x3x3 p1 as a | conv 4x3x3 p1 as b | from a | conv 4x1x1 | cat b",
    ],
)
@pytest.mark.parametrize("inplace", [True, False])
def test_kept_for_backward_is_what_autograd_keeps(spec: str, inplace: bool) -> None:
    predicted, saved = kept_by_autograd(spec, inplace)
    assert predicted == saved


def test_named_outputs_stay_to_the_end() -> None:
    """A named output that a 'from' leaves and nothing joins is an output: alive
    when the last layer runs. Here it is 'small', 1×32×32 float32 = 4,096 bytes,
    and the inference peak is at the last conv (big in, 128×32×32 out)."""
    left = run("conv 64x3x3 p1 as big | conv 1x1x1 as small | from big | conv 128x1x1", 3, 32, 32)
    assert [(n, s) for n, _, s in left.outputs] == [("small", (1, 32, 32))]
    plain = run("conv 64x3x3 p1 as big | conv 1x1x1 | from big | conv 128x1x1", 3, 32, 32)
    assert plain.outputs == () and plain.warnings  # the unnamed one is lost work
    extra = estimate(left).inference_peak_bytes - estimate(plain).inference_peak_bytes
    assert extra == 4 * 32 * 32
    again = run("conv 64x3x3 p1 as big | conv 1x1x1 as small | from big | cat small", 3, 32, 32)
    assert again.outputs == () and again.output_shape == (65, 32, 32)  # joined: not an output


def test_receptive_fields_join_and_branch() -> None:
    """Three 3×3 convs see 7×7; adding the first's output keeps the widest (7);
    going on from the first gives back its 3; a 1×1 after it sees 3."""
    report = run("conv 4x3x3 p1 as a | conv 4x3x3 p1 | conv 4x3x3 p1 | add a", 3, 16, 16)
    assert report.layers[-1].field is not None
    assert report.layers[-1].field.sizes == (7, 7)
    report = run("conv 4x3x3 p1 as a | conv 4x3x3 p1 as b | from a | conv 4x1x1", 3, 16, 16)
    assert report.layers[-1].field is not None and report.layers[-1].field.sizes == (3, 3)


def _yaml_json(tmp_path: Path, *layers: str) -> dict[str, Any]:
    """The JSON report of a YAML file of these layers on a 3×16×16 input."""
    path = tmp_path / "net.yaml"
    path.write_text("input: [3, 16, 16]\nlayers:\n" + "".join(f"  - {x}\n" for x in layers))
    code, out, err = invoke(str(path), "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_names_in_yaml(tmp_path: Path) -> None:
    """A group's name, a mapping's ``name:`` and ``as`` in a stage string are all
    names; ``add: {ref: [...]}`` reads several (8 + 8 = 16 channels, added twice)."""
    data = _yaml_json(
        tmp_path,
        "group: {name: stem, layers: [conv 8x3x3 p1, relu]}",
        "conv: {filters: 8, kernel: 3, padding: 1, name: mid}",
        "conv 8x3x3 p1 as top",
        "add: {ref: [stem, mid]}",
        "cat top",
    )
    assert data["output_shape"] == [16, 16, 16]
    assert data["layers"][-2]["spec"] == "add stem,mid"
    assert data["total"]["params"] == 3 * (8 * 8 * 9 + 8) - 8 * 8 * 9 + 8 * 3 * 9


def test_the_canonical_spec_reads_back_with_its_names() -> None:
    report = run(_toy_fpn_spec(), 3, 32, 32)
    assert " as c2 " in report.spec and " as p2 " in report.spec
    again = run(report.spec, 3, 32, 32)
    assert again.total == report.total and again.output_shape == report.output_shape
    assert parse(report.spec).layers == parse(_toy_fpn_spec()).layers


def test_a_from_that_drops_unnamed_work_warns() -> None:
    report = run("conv 8x3x3 as a | conv 4x1x1 | from a | gap", 3, 8, 8)
    (warning,) = report.layers[2].warnings
    assert "layer 2 (conv 4x1x1)" in warning and "never used" in warning
    assert report.outputs == ()


@pytest.mark.parametrize(
    ("spec", "message", "caret"),
    [
        ("conv 8x3x3 | add a", "no earlier item of this list is named 'a'", "a"),
        ("conv 8x3x3 as a | res[ relu | add a ]", "no earlier item of this list is named 'a'", "a"),
        ("conv 8x3x3 as a | conv 4x3x3 | add a", "cannot add: a is 8x30x30", "a"),
        ("conv 8x3x3 as a | conv 4x3x3 | cat a", "cannot concatenate: a is 8x30x30", "a"),
        ("conv 8x3x3 as a | gap | mul a", None, None),
        ("conv 8x3x3 as a | conv 4x1x1 | mul a", "cannot multiply: a is 8x30x30", "a"),
        ("conv 8x3x3 as a | from a,a", "from goes on from one named output, not 2", "a,a"),
        ("conv 8x3x3 as", "'as' takes one name", "as"),
        ("conv 8x3x3 as a b", "'as' takes one name", "b"),
        ("conv 8x3x3 as 1a", "'1a' is not a name", "1a"),
        ("[relu]*2 as", "'as' needs a name after it", "as"),
        ("add", "add needs NAME[,NAME…]", "add"),
    ],
)
def test_errors_name_the_spot(spec: str, message: str | None, caret: str | None) -> None:
    if message is None:  # a C×1×1 gate times its 8×30×30 source: fine
        assert run(spec, 3, 32, 32).output_shape == (8, 30, 30)
        return
    exc = error(spec)
    assert message in exc.message, exc.message
    assert exc.location is not None
    assert exc.location.line[exc.location.start : exc.location.end] == caret
    code, _, err = invoke(spec, "--input", "3x32x32")
    assert code == 2 and "Traceback" not in err and err.count("\n") == 3  # line, text, caret


def test_a_spec_error_is_raised_not_an_internal_one() -> None:
    with pytest.raises(SpecError):
        run("from a")


def test_the_picture_draws_an_arc_per_name_read() -> None:
    """The toy FPN reads six names (from inner3, from c3, add top3, from inner2,
    from c2, add top2): six arcs, each labelled with its name; a network that reads
    none draws no arc and no room for one (the README's pictures are unchanged)."""
    import re
    import xml.etree.ElementTree as ET

    from cnncalc.render import svg

    drawn = svg.render(run(_toy_fpn_spec(), 3, 32, 32))
    ET.fromstring(drawn)
    arcs = re.findall(r'<path d="M[^"]+" fill="none" stroke="#d35400"', drawn)
    assert len(arcs) == 6
    labels = re.findall(r'fill="#d35400" text-anchor="middle">([^<]+)</text>', drawn)
    assert sorted(labels) == sorted(["inner3", "c3", "top3", "inner2", "c2", "top2"])
    assert "#d35400" not in svg.render(run("conv 8x3x3 | relu", 3, 32, 32))


def test_the_named_picture_in_the_readme() -> None:
    """docs/unet-level-flat.svg, shown in the README's section on names, is what
    the program draws (CNNCALC_UPDATE_GOLDEN=1 rewrites it; review it by eye)."""
    import os

    from cnncalc.render import svg

    golden = ROOT / "docs" / "unet-level-flat.svg"
    drawn = svg.render(run(UNET_LEVEL_FLAT, 64, 568, 568))
    if os.environ.get("CNNCALC_UPDATE_GOLDEN"):
        golden.write_text(drawn, encoding="utf-8")
    assert drawn == golden.read_text(encoding="utf-8")


def test_lraspp_head_flat_is_the_nested_one() -> None:
    """torchvision's LRASPPHead (cbr(high) · scale(high), upsampled to low's size,
    high_classifier + low_classifier(low)) on a toy backbone, flat and nested as
    the lraspp preset writes it. Params by hand: 3·16·9 + 16 = 448; 16·32·9 + 32 =
    4,640; cbr 32·8 (no bias) = 256 and its bn 2·8 = 16; scale 32·8 = 256; the
    classifiers 8·5 + 5 = 45 and 16·5 + 5 = 85: 5,746 in all."""
    flat = run(
        "conv 16x3x3 s2 p1 as low | conv 32x3x3 s2 p1 as high | conv 8x1x1 nobias | bn | "
        "relu as feat | from high | gap | conv 8x1x1 nobias | sigmoid | mul feat | "
        "upsample size=16x16 bilinear | conv 5x1x1 as out | from low | conv 5x1x1 | add out",
        3,
        32,
        32,
    )
    nested = run(
        "conv 16x3x3 s2 p1 | res[ conv 32x3x3 s2 p1 | mul[ conv 8x1x1 nobias | bn | relu ; "
        "gap | conv 8x1x1 nobias | sigmoid ] | upsample size=16x16 bilinear | conv 5x1x1 ; "
        "conv 5x1x1 ]",
        3,
        32,
        32,
    )
    assert flat.total == nested.total
    assert flat.total.params == 448 + 4_640 + 256 + 16 + 256 + 45 + 85 == 5_746
    assert flat.output_shape == nested.output_shape == (5, 16, 16)
    assert flat.outputs == () and not flat.warnings


def test_yaml_keys_of_joins_and_of_blocks(tmp_path: Path) -> None:
    """``cat: a`` and ``mul: {ref: [a, b]}`` are joins, ``cat: [[], [relu]]`` the
    block: 8 + 8 = 16 channels, back to 8 by a 1×1 conv (8·16 + 8 = 136 params),
    times a and b (8×16×16 each), then from b and a concat block of it and its
    relu: 16 channels."""
    data = _yaml_json(
        tmp_path,
        "conv 8x3x3 p1 as a",
        "conv: {filters: 8, kernel: 3, padding: 1, name: b}",
        "cat: a",
        "conv 8x1x1",
        "mul: {ref: [a, b]}",
        "from: b",
        "cat: [[], [relu]]",
    )
    assert [layer["spec"] for layer in data["layers"]][2:6] == [
        "cat a",
        "conv 8x1x1",
        "mul a,b",
        "from b",
    ]
    assert data["layers"][2]["output_shape"] == [16, 16, 16]
    assert data["output_shape"] == [16, 16, 16]
    assert data["total"]["params"] == (3 * 8 * 9 + 8) + (8 * 8 * 9 + 8) + (16 * 8 + 8)


def test_small_rules_of_names(tmp_path: Path) -> None:
    """'as' is no name; a 'from' right after a 'from' loses no work (no warning);
    YAML ``add: [a, b]`` lists names."""
    assert "'as' is the word that gives a name" in error("relu as as").message
    report = run("relu as a | from a | from a", 3, 8, 8)
    assert not report.warnings
    data = _yaml_json(tmp_path, "relu as a", "relu as b", "add: [a, b]")
    assert data["layers"][-1]["spec"] == "add a,b"


# --- names red-teamed: linear reads, partial products, arcs, --strict, hidden outputs ---
# Names red-teamed: what a hostile or careless user found in ``as NAME`` and the
# joins that read names, each checked against figures worked out by hand or by torch.


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
