"""Issue 13's layer kinds: both spec forms, their errors, the emitted helpers'
arithmetic, receptive fields, and the YAML template arithmetic.

Figures come from torch (the modules run here) or by hand in a comment.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from cnncalc import SpecError
from cnncalc.canonical import format_layer
from cnncalc.layer import LayerSpec
from cnncalc.readers.spec import parse
from cnncalc.readers.yamlspec import load

from conftest import error, invoke, need_torch, run

torch = need_torch()
nn = torch.nn

# --- the two forms ---------------------------------------------------------------

SAME = [
    (
        "sepconv 16x3x3 s2 p1 nobias",
        "sepconv: {filters: 16, kernel: [3, 3], stride: 2, padding: 1, bias: false}",
    ),
    ("stochasticpool 3 s2", "stochasticpool: {size: 3, stride: 2}"),
    ("layernorm noaffine", "layernorm: {affine: false}"),
    ("groupnorm 4", "groupnorm: {groups: 4}"),
    ("groupnorm 4 noaffine", "groupnorm: {size: 4, affine: false}"),
    ("instancenorm affine", "instancenorm: {affine: true}"),
    ("bn noaffine", "bn: {affine: false}"),
    ("layerscale frozen", "layerscale: {trainable: false}"),
    ("droppath 0.2", "droppath: {p: 0.2}"),
    ("upsample 2x1 bilinear", "upsample: {factor: [2, 1], mode: bilinear}"),
    ("upsample size=56x40", "upsample: {size: [56, 40]}"),
    ("reshape 64x4x4", "reshape: {shape: [64, 4, 4]}"),
    ("conv 8x3 pcausal d2", "conv: {filters: 8, kernel: [3], dilation: 2, padding: causal}"),
]


@pytest.mark.parametrize(("text", "mapping"), SAME)
def test_string_and_yaml_forms_agree_and_print_back(text: str, mapping: str) -> None:
    from_text = parse(text).layers[0]
    from_yaml = load(f"layers:\n  - {mapping}\n").layers[0]
    assert from_text == from_yaml
    assert isinstance(from_text, LayerSpec)
    assert format_layer(from_text) == text  # the canonical form is the one written
    assert parse(format_layer(from_text)).layers[0] == from_text


def test_hardswish_and_silu_exist_beside_hardsigmoid() -> None:
    for word in ("hardsigmoid", "hardswish", "silu"):
        assert run(f"conv 4x3x3 | {word}", 3, 8, 8).output_shape == (4, 6, 6)


# --- errors: one line naming the layer and the spot -------------------------------------


@pytest.mark.parametrize(
    ("spec", "dims", "message", "caret"),
    [
        ("groupnorm 5", (6, 4, 4), "5 groups must divide the 6 input channels", "5"),
        ("reshape 7x7", (6, 4, 4), "cannot reshape 6x4x4 (96 values) to 7x7 (49 values)", "7x7"),
        ("upsample 2 trilinear", (3, 8, 8), "trilinear interpolates a 3-D input", "trilinear"),
        ("upsample", (3, 8, 8), "upsample takes a factor or a size", "upsample"),
        ("upsample 2 size=4", (3, 8, 8), "one of them", "2"),
        ("conv 8x3x3 pcausal", (3, 8, 8), "pcausal pads a 1-D input", "pcausal"),
        ("pool 2 pcausal", (3, 8), "pcausal pads convolutions only", "pcausal"),
        ("deconv 8x3 pcausal", (3, 8), "not deconv", "pcausal"),
        ("droppath 1.5", (3, 8), "droppath probability must be between 0 and 1", "1.5"),
        ("layerscale 2", (3, 8), "unexpected number '2'", "2"),
        ("instancenorm", (6,), "needs an input with spatial axes", "instancenorm"),
        ("relu nearest", (3, 8), "relu does not take mode", "nearest"),
    ],
)
def test_bad_input_names_the_layer_and_the_spot(
    spec: str, dims: tuple[int, ...], message: str, caret: str
) -> None:
    exc = error(spec, *dims)
    assert message in exc.message
    assert exc.location is not None
    assert exc.location.line[exc.location.start : exc.location.end].startswith(caret)
    code, _, err = invoke(spec, "--input", "x".join(map(str, dims)))
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err


# --- receptive fields ---------------------------------------------------------------------


def _field(spec: str, dims: str) -> dict[str, Any]:
    code, out, _ = invoke(spec, "--input", dims, "--json")
    assert code == 0
    return json.loads(out)["layers"][-1]["receptive_field"]  # type: ignore[no-any-return]


def _support(module: Any, shape: tuple[int, ...], at: int) -> list[int]:
    """Input positions (1-D) the output unit ``at`` depends on, from torch's gradient."""
    x = torch.rand((1, *shape), requires_grad=True)
    module(x)[0, :, at].sum().backward()
    return [int(i) for i in torch.nonzero(x.grad[0].abs().sum(0)).flatten()]


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_upsample_field_covers_what_torch_reads(mode: str) -> None:
    """A 3-wide conv then upsampling ×2: cnncalc's field (the widest unit's) holds
    every unit's inputs as torch's gradient finds them (from the position its
    fractional start falls in), and some unit needs it all."""
    field = _field(f"conv 1x1x3 | upsample 1x2 {mode}", "1x1x12")
    size, jump, begin = field["size"][1], field["jump"][1], field["start"][1]
    torch_mode = "nearest" if mode == "nearest" else "bilinear"
    conv = nn.Conv2d(1, 1, (1, 3))
    up = nn.Upsample(scale_factor=(1, 2), mode=torch_mode)
    net = nn.Sequential(conv, up, nn.Flatten(2))  # (N, 1, 1, W) -> (N, 1, W)
    widths = []
    for at in range(2, 18):  # away from the clamped borders
        seen = _support(lambda x: net(x.unsqueeze(2)), (1, 12), at)
        low, high = begin + at * jump, begin + at * jump + size
        # a fractional start is where the unit's window begins between positions
        assert math.floor(low) <= seen[0] and seen[-1] + 1 <= high, (at, seen, low, high)
        widths.append(len(seen))
    assert max(widths) == size  # nearest: the conv's 3; bilinear: 3 + 1 input apart


def test_causal_conv_reads_no_future() -> None:
    """WaveNet's property: output t of a causal dilated conv reads inputs ≤ t only,
    and the field reaches D·(F−1) back, as torch's gradient shows."""
    code, out, _ = invoke("conv 1x2 d4 pcausal", "--input", "1x20", "--emit", "torch")
    assert code == 0
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(out, "<emitted>", "exec"), namespace)
    net = namespace["Net"]()
    assert _support(net, (1, 20), 10) == [6, 10]
    assert _support(net, (1, 20), 0) == [0]
    assert _field("conv 1x2 d4 pcausal", "1x20") == {"size": [5], "jump": [1], "start": [-4]}


# --- the emitted helpers ------------------------------------------------------------------


def _emitted(spec: str, dims: str) -> Any:
    code, out, _ = invoke(spec, "--input", dims, "--emit", "torch")
    assert code == 0, out
    namespace: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(out, "<emitted>", "exec"), namespace)
    return namespace["Net"]()


def test_stochastic_pool_samples_in_training_and_averages_in_eval() -> None:
    net = _emitted("stochasticpool 2", "1x2x4")
    x = torch.tensor([[[[1.0, 3.0, 0.0, 0.0], [0.0, 4.0, 2.0, 2.0]]]])
    # eval: Σa²/Σa per window: (1 + 9 + 16)/8 = 3.25; (4 + 4)/4 = 2 (Zeiler & Fergus, eq. 4)
    assert net.eval()(x).flatten().tolist() == [3.25, 2.0]
    net.train()
    torch.manual_seed(0)
    draws = [tuple(net(x).flatten().tolist()) for _ in range(200)]
    assert {d[0] for d in draws} == {1.0, 3.0, 4.0}  # never the 0: its probability is 0
    assert {d[1] for d in draws} == {2.0}
    ones = sum(d[0] == 4.0 for d in draws)
    assert 70 < ones < 130  # p = 4/8 = 0.5 of 200


def test_drop_path_drops_whole_samples() -> None:
    net = _emitted("droppath 0.5", "3x4")
    x = torch.ones((64, 3, 4))
    assert torch.equal(net.eval()(x), x)
    torch.manual_seed(0)
    y = net.train()(x)
    per_sample = {tuple(set(sample.flatten().tolist())) for sample in y}
    assert per_sample == {(0.0,), (2.0,)}  # all dropped, or all kept and scaled by 1/(1−p)


def test_layernorm_normalises_channels_at_each_position() -> None:
    net = _emitted("layernorm", "5x3x2").eval()
    x = torch.rand((2, 5, 3, 2)) * 10
    y = net(x)
    assert torch.allclose(y.mean(1), torch.zeros(2, 3, 2), atol=1e-5)
    assert torch.allclose(y.var(1, unbiased=False), torch.ones(2, 3, 2), atol=1e-3)
    assert sum(p.numel() for p in net.parameters()) == 2 * 5


def test_sepconv_equals_keras_separable_counts() -> None:
    """Keras SeparableConv2D(64, 3) on 32 channels: depthwise 32·9 = 288, pointwise
    32·64 = 2,048, bias 64: 2,400 (the Keras summary's figure for this layer)."""
    report = run("sepconv 64x3x3", 32, 10, 10)
    assert report.total.params == 288 + 2048 + 64
    assert report.output_shape == (64, 8, 8)
    # MACs: 8·8 positions × (32·9 + 32·64)
    assert report.total.macs == 64 * (288 + 2048)


def test_reshape_after_fc_is_dcgan_first_step() -> None:
    """DCGAN (Radford et al. 2016): a 100-long z projected to 4·4·1024 and reshaped."""
    report = run("fc 16384 nobias | reshape 1024x4x4 | deconv 512x4x4 s2 p1 nobias", 100, 1, 1)
    assert report.output_shape == (512, 8, 8)
    assert report.total.params == 100 * 16384 + 1024 * 512 * 16


# --- YAML template arithmetic --------------------------------------------------------------


def _filters(template: str, params: str) -> list[int]:
    doc = f"""
input: [3, 32, 32]
blocks:
  b:
    params: {{{params}}}
    layers: ["conv {template}x1x1"]
layers:
  - b: {{}}
"""
    return [layer.output_shape[0] for layer in _analyse(doc)]


def _analyse(doc: str) -> Any:
    from cnncalc.engine import analyze

    return analyze(load(doc)).layers


@pytest.mark.parametrize(
    ("template", "params", "filters"),
    [
        ("{width*0.75}", "width: 32", 24),
        ("{(width+8)/2}", "width: 32", 20),
        ("{width*mult}", "width: 64, mult: 0.25", 16),
        # torchvision MobileNetV2, width 0.75: 16·0.75 = 12 → (12 + 4)//8·8 = 16
        ("{make_divisible(16*mult, 8)}", "mult: 0.75", 16),
        # 24·0.75 = 18 → (18 + 4)//8·8 = 16 < 0.9·18 = 16.2, so 16 + 8 = 24
        ("{make_divisible(24*mult, 8)}", "mult: 0.75", 24),
        # 320·0.35 = 112 → (112 + 4)//8·8 = 112
        ("{make_divisible(320*mult, 8)}", "mult: 0.35", 112),
        # 3·0.5 = 1.5 → max(8, (1.5 + 4)//8·8 = 0) = 8, the least value
        ("{make_divisible(3*mult, 8)}", "mult: 0.5", 8),
        ("{make_divisible(3*mult, 8, 16)}", "mult: 0.5", 16),
    ],
)
def test_template_arithmetic(template: str, params: str, filters: int) -> None:
    assert _filters(template, params) == [filters]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{width/3}", "filters must be a whole number"),
        ("{width**2}", "unexpected '*'"),
        ("{make_divisible(width)}", "make_divisible takes (value, divisor[, least])"),
        ("{width/(width-width)}", "division by zero"),
        ("{width*" + "9" * 31 + "}", "at most 30 digits"),
        ("{" + "width*" * 40 + "1}", "more than 200 characters"),
        ("{__import__}", "unknown parameter"),
        ("{(width}", "')' is missing"),
    ],
)
def test_template_errors(template: str, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        _filters(template, "width: 32")


def test_pad_is_kerass_zero_padding() -> None:
    """Keras's ZeroPadding2D(((0, 1), (0, 1))) before a 3×3, stride-2, valid conv
    (as MobileNet's Keras code pads before a strided conv): 8 + 0 + 1 = 9 per axis,
    then ⌊(9 − 3)/2⌋ + 1 = 4; zeros only, so 0 params and 0 MACs for the pad."""
    report = run("pad 0:1x0:1 | conv 8x3x3 s2", 3, 8, 8)
    pad, conv = report.layers
    assert (pad.output_shape, pad.costs.params, pad.costs.macs) == ((3, 9, 9), 0, 0)
    assert conv.output_shape == (8, 4, 4) and not conv.warnings
    assert run("pad 1x2", 3, 8, 8).output_shape == (3, 10, 12)  # 8 + 2·1, 8 + 2·2
    with pytest.raises(SpecError, match="pad gives 3 axes but the input has 2"):
        run("pad 1x1x1", 3, 8, 8)
