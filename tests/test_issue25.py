"""Issue 25: warnings that cry wolf, and mistakes that pass.

Expectations are stated by hand in the comments (torch's and torchvision's
code, the arithmetic), never read back from cnncalc itself.
"""

from __future__ import annotations

import json

import pytest

from cnncalc import SpecError, analyze, parse, presets
from cnncalc.readers import yamlspec

from conftest import invoke

# --- presets print no ⚠ -----------------------------------------------------------


@pytest.mark.parametrize("name", presets.names())
def test_no_preset_warns_about_itself(name: str) -> None:
    """Every preset is a published design run on its own input: what it does is
    meant (torchvision's 1×1 stride-2 shortcuts, SqueezeNet's unpadded stem), so
    it is a note at most, and --strict accepts it."""
    report = analyze(presets.load(name), strict=True)
    assert report.warnings == []


def test_the_presets_are_all_run() -> None:
    assert len(presets.names()) >= 95  # `cnncalc presets` lists 95 networks


def test_strict_refuses_warnings_and_strict_notes_notes_too() -> None:
    # resnet50's stem: (224 − 7 + 2·3)/2 + 1 = 112.5 → 112, the last padding row
    # unused (a note); torchvision builds it so, and --strict is about warnings
    assert invoke("resnet50", "--strict", "--json")[0] == 0
    code, _, err = invoke("resnet50", "--strict-notes")
    assert code == 2
    assert err.startswith("error: preset resnet50:")
    assert "the last padding row and column are never used (--strict-notes)" in err
    # a warning fails both: (8 − 3)/2 + 1 = 3.5 → 3, row 7 never read
    for flag in ("--strict", "--strict-notes"):
        code, _, err = invoke("conv 8x3x3 s2", "--input", "8x8", flag)
        assert code == 2 and err.splitlines()[0].endswith(
            f"input row and column 7 are never read ({flag})"
        )


def test_a_warning_names_the_layer_by_path_and_spec() -> None:
    # res[…] with a 2-wide stride-3 shortcut: (8 − 2)/3 + 1 = 3 windows at 0, 3, 6:
    # rows 2 and 5 are skipped between them (a warning)
    spec = "conv 4x3x3 p1 | res[conv 8x3x3 s3 p1 ; conv 8x2x2 s3]"
    _, out, _ = invoke(spec, "--input", "3x8x8", "--depth", "1")
    line = next(line for line in out.splitlines() if line.startswith("⚠"))
    assert line.startswith("⚠ layer 3 (1.shortcut.0: conv 8x2x2 s3): H, W: input rows and ")
    # a named layer is named by its name, as the memory lines do
    _, out, _ = invoke("conv 8x2x2 s3 as c", "--input", "9x9")
    assert "⚠ layer 1 (c: conv 8x2x2 s3): " in out


# --- intended: a spec says what it means -----------------------------------------

SQUEEZE = """\
name: stem
input: [3, 224, 224]
intended:
  "0": torchvision's unpadded stem
layers:
  - conv 96x7x7 s2
  - relu
"""


def test_intended_findings_are_notes_with_the_reason() -> None:
    # (224 − 7)/2 + 1 = 109.5 → 109: row 223 never read, as torchvision's SqueezeNet
    # 1.0 stem (nn.Conv2d(3, 96, kernel_size=7, stride=2)) leaves it
    report = analyze(yamlspec.load(SQUEEZE, "stem.yaml", 10_000, 64), strict=True)
    (layer, _) = report.layers
    assert layer.warnings == ()
    assert layer.notes == (
        "H, W: (224 − 7 + 2·0)/2 + 1 = 109.5, floored to 109: input row and column 223 are "
        "never read: intended (torchvision's unpadded stem)",
    )
    # the same layer without the declaration warns
    plain = analyze(parse("conv 96x7x7 s2 | relu"), (3, 224, 224))
    assert plain.layers[0].warnings and not plain.layers[0].notes


def test_intended_names_a_layer_or_is_an_error() -> None:
    text = SQUEEZE.replace('"0":', "features.0:")
    with pytest.raises(SpecError, match=r"intended: 'features\.0' names no layer of stem"):
        analyze(yamlspec.load(text, "stem.yaml", 10_000, 64))
    with pytest.raises(SpecError, match="say why"):
        yamlspec.load(SQUEEZE.replace("torchvision's unpadded stem", "[1]"), "s.yaml", 99, 9)


def test_intended_survives_the_stored_parsed_form() -> None:
    from cnncalc import codec

    model = yamlspec.load(SQUEEZE, "stem.yaml", 10_000, 64)
    again = codec.decode(json.loads(json.dumps(codec.encode(model))))
    assert again.intended == (("0", "torchvision's unpadded stem"),)


# --- pasted PyTorch, another input than the network's own, what is out of scope ---


def test_a_pasted_chain_is_translated_at_once() -> None:
    # torch: Conv2d(3, 64, kernel_size=3, padding=1) is 64 filters of 3×3, padding 1;
    # MaxPool2d(2) a 2×2 window of stride 2 (cnncalc's pool 2)
    code, _, err = invoke(
        "nn.Conv2d(3, 64, kernel_size=3, padding=1) | nn.ReLU() | nn.MaxPool2d(2)",
        "--input",
        "3x32x32",
    )
    assert code == 2
    assert err.splitlines()[0] == (
        "error: layer 1 'nn.Conv2d(3, 64, kernel_size=3, padding=1)': a PyTorch or Keras "
        "layer; write: conv 64x3x3 p1 | relu | pool 2"
    )
    # cnncalc stages are kept as written; one call it does not know: this layer alone
    _, _, err = invoke("conv 8x3x3 | nn.ReLU() | nn.MaxPool2d(2)", "--input", "3x32x32")
    assert err.splitlines()[0].endswith("write: conv 8x3x3 | relu | pool 2")
    _, _, err = invoke("nn.ReLU() | nn.Mystery(2)", "--input", "3x32x32")
    assert err.splitlines()[0].endswith("a PyTorch or Keras layer; write: relu")


def test_another_input_reads_as_the_networks_own_rank_and_says_what_it_is_built_for() -> None:
    # lenet5 is built for 1×32×32: 28×28 is one 28×28 map (not 28 channels of a
    # 28-long signal). C1 5×5 → 24, S2 → 12, C3 5×5 → 8, S4 → 4: C5's 5×5 finds 4×4.
    code, _, err = invoke("lenet5", "--input", "28x28")
    assert code == 2
    assert err.splitlines()[0] == (
        "error: preset lenet5:29: layer 9 (conv): H: (4 − 5 + 2·0)/1 + 1 = 0 < 1: the window "
        "(5) is larger than the padded input (4) (lenet5 is built for 1x32x32: --input 1x32x32)"
    )
    # its own size without the channel: 1×32×32, LeNet-5's 60,840 parameters (LeCun 1998)
    _, out, _ = invoke("lenet5", "--input", "32x32", "--json")
    data = json.loads(out)
    assert data["input_shape"] == [1, 32, 32] and data["total"]["params"] == 60_840


@pytest.mark.parametrize(
    "spec",
    ["lstm", "lstm 128", "gru 10", "rnn", "nn.LSTM(10, 20)", "nn.GRUCell(3, 4)", "ConvLSTM2D"],
)
def test_recurrent_layers_are_named_out_of_scope(spec: str) -> None:
    code, _, err = invoke(spec, "--input", "3x10")
    assert code == 2
    assert "recurrent layers (lstm, gru, rnn) are out of scope" in err
    assert "did you mean" not in err


def test_glu_is_written_as_a_gate() -> None:
    _, _, err = invoke("conv 16x3 | glu", "--input", "3x10")
    assert "there is no glu layer" in err and "mul[ slice 0:C/2 ; slice C/2:C | sigmoid ]" in err
    # the gate it names is torch's F.glu: 16 channels in, 8 out, a·σ(b) on the halves
    import torch

    report = analyze(parse("conv 16x3 | mul[ slice 0:8 ; slice 8:16 | sigmoid ]"), (3, 10))
    x = torch.randn(1, 16, 8)
    glu = torch.nn.functional.glu(x, dim=1)
    assert torch.equal(glu, x[:, :8] * torch.sigmoid(x[:, 8:]))
    assert report.output_shape == tuple(glu.shape[1:]) == (8, 8)


# --- a join right after `from a` reads a ------------------------------------------

PHANTOM = "identity as x | conv 8x1x1 as a | from x | conv 8x1x1 as b | from a | cat b"


def test_a_join_after_from_reads_its_output() -> None:
    """torch: ``a = conv_a(x); b = conv_b(x); y = torch.cat([a, b], 1)``: one
    output, y; a is read by the cat, not returned."""
    from cnncalc.memory import estimate

    report = analyze(parse(PHANTOM), (4, 8, 8))
    assert report.outputs == ()
    assert report.output_shape == (16, 8, 8)
    _, out, _ = invoke(PHANTOM, "--input", "4x8x8")
    assert "outputs besides" not in out
    # by hand, batch 1, float32, CUDA blocks of 512 bytes: 4 parameter tensors
    # (8·4 weights = 128 B, 8 biases = 32 B, two convs) = 4 × 512; the input
    # 4·8·8·4 = 1,024; a and b 8·8·8·4 = 2,048 each, the cat 4,096; cuBLAS's
    # workspace 33 MiB (twice in training: autograd's thread has its own).
    memory = estimate(report)
    workspace = 33 * 2**20
    assert memory.inference_peak_bytes == 4 * 512 + 1024 + 2048 + 2048 + 4096 + workspace
    # training peaks in the forward at the cat, Adam's two states (2 × 2,048) made
    # before; before the fix a was held to the end as an output, past the cat
    adam = 2 * 4 * 512
    assert memory.training_bytes == 4 * 512 + adam + 1024 + 2048 + 2048 + 4096 + 2 * workspace
    assert memory.training_peak_at == {"phase": "forward", "layer": "5", "index": 6}


def test_a_layer_after_from_leaves_the_output_an_output() -> None:
    # FPN's LastLevelMaxPool: p6 = max_pool2d(p5, 1, 2), and p5 is returned too
    # (examples/fpn_resnet50.yaml ends so); q is left by the second from, unread
    spec = (
        "conv 8x3x3 p1 as c | conv 8x3x3 p1 as p5 | from c | conv 8x1x1 as q | from p5 | pool 1 s2"
    )
    report = analyze(parse(spec), (3, 8, 8))
    assert [name for name, _, _ in report.outputs] == ["p5", "q"]
    # the same with a join after the from: the cat reads p5
    joined = spec.replace("pool 1 s2", "cat c")
    assert [name for name, _, _ in analyze(parse(joined), (3, 8, 8)).outputs] == ["q"]


# --- solve names psame; --amp labels the float32 sum -----------------------------


def test_solve_names_psame_where_only_uneven_padding_fits() -> None:
    import torch

    # (200 + 2P − 10)/1 + 1 = 200 needs 2P = 9: no symmetric padding; torch's
    # padding='same' pads 9 as 4 left and 5 right (and keeps 200)
    conv = torch.nn.Conv1d(1, 1, 10, padding="same")
    assert conv(torch.zeros(1, 1, 200)).shape[-1] == 200
    assert conv._reversed_padding_repeated_twice == [4, 5]
    code, _, err = invoke("solve", "--in", "200", "--out", "200", "--kernel", "10")
    assert code == 2
    assert "psame does: kernel 10, stride 1, padded 4 + 5" in err
    _, out, _ = invoke("conv 8x10 psame", "--input", "200", "--json")
    assert json.loads(out)["output_shape"] == [8, 200]
    # --exact wants a tiling, psame's 4 + 5 is not asked for; neither with --padding
    for extra in (["--exact"], ["--padding", "4"]):
        _, _, err = invoke("solve", "--in", "200", "--out", "200", "--kernel", "10", *extra)
        assert "psame" not in err and "no window takes 200 to 200" in err


def test_activations_under_amp_are_labelled_as_the_float32_sum() -> None:
    # resnet50, batch 32: every output summed at 4 bytes is 3.8 GiB, more than the
    # bf16 training peak; the table says which figure it is
    _, out, _ = invoke("resnet50", "--batch", "32", "--amp", "bf16")
    line = next(line for line in out.splitlines() if line.startswith("memory ("))
    assert "(every output summed at float32)" in line
    _, plain, _ = invoke("resnet50", "--batch", "32")
    assert "every output summed" not in plain
