"""Issue 14: warnings that matter, the summary block, options never ignored.

Expectations are stated by hand in the comments (torch conventions, the
paper's counts), never read back from cnncalc itself.
"""

from __future__ import annotations

import json

import pytest

from cnncalc import SpecError
from cnncalc.render.summary import both, megabytes, short

from conftest import invoke, run

# --- channels first -------------------------------------------------------------


def test_channels_last_input_is_warned_and_strict_refuses_it() -> None:
    # 224x224x3 on a 2-D net: read as C=224, H=224, W=3
    code, out, err = invoke("conv 64x3x3 p1 | relu | pool 2 | fc 10", "--input", "224x224x3")
    assert code == 0
    assert (
        "⚠ input: --input 224x224x3 reads as 224 channels: did you mean 3x224x224? cnncalc "
        "reads shapes channels first"
    ) in out
    code, _, err = invoke("conv 64x3x3 p1", "--input", "224x224x3", "--strict")
    assert code == 2 and "did you mean 3x224x224?" in err and err.endswith("(--strict)\n")


@pytest.mark.parametrize("shape", ["3x224x224", "512x1x1", "64x56x56", "1x28x28"])
def test_channels_first_shapes_are_not_warned(shape: str) -> None:
    dims = tuple(int(x) for x in shape.split("x"))
    assert run("relu", *dims).input_warnings == ()


def test_a_preset_given_another_channel_count() -> None:
    # resnet50 is built for 3x224x224; 224x224 is 1x224x224
    code, out, _ = invoke("resnet50", "--input", "224x224", "--json")
    data = json.loads(out)
    assert code == 0 and data["input_shape"] == [1, 224, 224]
    assert data["input_warnings"] == [
        "--input 224x224 gives 1 channel, but resnet50 is built for 3 (3x224x224): "
        "did you mean 3x224x224?"
    ]
    # another spatial size with the preset's own channels is what --input is for
    _, out, _ = invoke("resnet50", "--input", "3x160x160", "--json")
    assert json.loads(out)["input_warnings"] == []


def test_a_filter_count_that_looks_like_a_kernel() -> None:
    # conv 3x3x64: 3 filters of a 3 (H) × 64 (W) kernel
    (layer,) = run("conv 3x3x64", 3, 224, 224).layers
    assert layer.output_shape == (3, 222, 161)
    assert layer.warnings == (
        "conv 3x3x64 reads as 3 filters of 3×64; did you mean conv 64x3x3? "
        "(filters first, then the kernel)",
    )
    assert run("conv 64x3x3", 3, 224, 224).layers[0].warnings == ()
    assert run("conv 8x1x16", 3, 224, 224).layers[0].warnings != ()  # 8 filters of 1×16
    with pytest.raises(SpecError, match="did you mean conv 64x3x3"):
        run("conv 3x3x64", 3, 224, 224, strict=True)


# --- notes and warnings ----------------------------------------------------------


def test_unused_padding_is_a_note_not_a_warning() -> None:
    # resnet50's stem: (224 − 7 + 2·3)/2 + 1 = 112.5 → 112, the last padding row unused
    _, out, _ = invoke("resnet50", "--json")
    stem = json.loads(out)["layers"][0]
    assert stem["warnings"] == []
    assert stem["notes"] == [
        "H, W: (224 − 7 + 2·3)/2 + 1 = 112.5, floored to 112: the last padding row and column "
        "are never used"
    ]
    _, table, _ = invoke("resnet50")
    assert "padding row" not in table and "harmless notes" in table
    # the 1×1 stride-2 shortcuts read every other row and column, as torchvision's
    # downsample = conv1x1(stride=2) means to: notes too, and no ⚠ at all
    assert "⚠" not in table
    shortcut = json.loads(out)["layers"][41]  # layer 42
    assert shortcut["path"] == "layer2.0.0.shortcut.0" and shortcut["warnings"] == []
    assert shortcut["notes"] == [
        "H, W: input rows and columns 1, 3, …, 55 are never read: every other one "
        "(stride 2 > kernel 1)"
    ]
    _, explained, _ = invoke("resnet50", "--explain")
    assert "ⓘ H, W: (224 − 7 + 2·3)/2 + 1 = 112.5, floored to 112: the last padding" in explained


def test_the_table_ends_with_the_totals() -> None:
    _, out, _ = invoke("conv 100x10x10 s1 p0 | pool 2 | fc 10", "--input", "200x200")
    lines = out.splitlines()
    warning = next(i for i, line in enumerate(lines) if line.startswith("⚠"))
    total = next(i for i, line in enumerate(lines) if line.startswith("Total params:"))
    assert warning < total  # warnings above the summary
    assert lines[-1].startswith("inference peak")
    # by hand: 100·(10·10 + 1) + 10·(100·95·95 + 1) = 10,100 + 9,025,010
    assert "Total params:         9.04 M (9,035,110)" in lines
    assert "MACs:                 374 M (373,835,000)" in lines
    assert "FLOPs:                748 M (747,670,000)  (2 per MAC)" in lines


def test_summary_of_lenet5_matches_the_paper() -> None:
    # LeCun et al. 1998: 60,000 trainable parameters, 340,908 connections; the RBF's
    # 840 hand-set weights are frozen
    _, out, _ = invoke("lenet5")
    assert "Trainable params:     60 K (60,000)" in out
    assert "Non-trainable params: 840" in out
    assert "Connections:          341 K (340,908)" in out


def test_summary_names_the_keras_convention() -> None:
    # resnet50: 53 batch norms, 2·C running statistics each: 53,120 buffers (torchvision)
    _, out, _ = invoke("resnet50")
    assert "Non-trainable params: 0  (Keras adds the 53,120 buffers here)" in out
    assert "Buffers:              53.1 K (53,120)" in out
    # 25,557,032 params × 4 bytes = 102,228,128 bytes = 97.5 MiB = 102.23 MB
    assert "Param memory:         97.5 MiB (102.23 MB) at float32" in out


def test_short_forms() -> None:
    assert short(4_089_184_256) == "4.09 G"
    assert short(25_557_032) == "25.6 M"
    assert short(60_000) == "60 K"
    assert short(999) == "999"
    assert short(999_500) == "1 M"  # 999.5 K rounds (half to even) up to 1.00 M
    assert short(10**40) == "10000000000 Q"
    assert both(4_089_184_256) == "4.09 G (4,089,184,256)"
    assert megabytes(102_228_128) == "102.23 MB"


# --- options never ignored ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--json", "--emit", "torch"), "--emit torch prints source code, --json a report"),
        (("--format", "csv", "--explain"), "csv has no place for them"),
        (("--format", "markdown", "--explain"), "markdown has no place for them"),
        (("--format", "markdown", "--depth", "1"), "markdown lists every layer"),
        (("--format", "csv", "--depth", "1"), "csv lists every layer"),
        (("--png", "out.svg"), "--png writes PNG; name the file .png (got out.svg)"),
        (("--svg", "out.png"), "--svg writes SVG; name the file .svg (got out.png)"),
    ],
)
def test_options_that_would_be_ignored_are_errors(args: tuple[str, ...], message: str) -> None:
    code, out, err = invoke("lenet5", *args)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_explain_in_json() -> None:
    _, out, _ = invoke("conv 100x10x10", "--input", "200x200", "--json", "--explain")
    (layer,) = json.loads(out)["layers"]
    # (200 − 10 + 0)/1 + 1 = 191; 100 × (1·10·10) + 100 = 10,100
    assert layer["explain"][0] == "H: (200 − 10 + 2·0)/1 + 1 = 191"
    assert "params: 100 × (1·10·10) + 100 = 10,100" in layer["explain"]
    _, out, _ = invoke("conv 100x10x10", "--input", "200x200", "--json")
    assert "explain" not in json.loads(out)["layers"][0]


def test_csv_writes_sizes_one_way() -> None:
    # conv 6x5x5 on 1x32x32: 6x28x28, receptive field 5x5
    _, out, _ = invoke("conv 6x5x5", "--input", "32x32", "--format", "csv", "--rf")
    assert out.splitlines()[1] == "1,conv 6x5x5,6x28x28,156,117600,5x5"
    assert "×" not in out
