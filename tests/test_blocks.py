"""Blocks: repeat, residual, concat and named YAML blocks, in both forms."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc import SpecError, analyze, parse
from cnncalc.cli import cli
from cnncalc.codec import decode, encode
from cnncalc.layer import Block, BlockKind
from cnncalc.memory import estimate
from cnncalc.readers.yamlspec import load
from cnncalc.render import svg
from cnncalc.report import BlockReport

from conftest import kept_by_autograd, need_torch, run
from oracles import check_emitted as check

BASIC = "res[conv 64x3x3 p1 nobias | bn | relu | conv 64x3x3 p1 nobias | bn] | relu"
DOWN = (
    "res[conv 128x3x3 s2 p1 nobias | bn | relu | conv 128x3x3 p1 nobias | bn ; "
    "conv 128x1x1 s2 nobias | bn] | relu"
)


def test_parse_block_structure() -> None:
    (rep,) = parse("[conv 8x3x3 p1 | relu]*3").layers
    assert isinstance(rep, Block) and rep.kind is BlockKind.REPEAT and rep.count == 3
    assert [layer.kind for layer in rep.parts[0]] == ["conv", "relu"]  # type: ignore[union-attr]
    (res,) = parse("res[conv 8x3x3 p1 ; conv 8x1x1]").layers
    assert isinstance(res, Block) and res.kind is BlockKind.RES and len(res.parts) == 2
    (cat,) = parse("cat[ ; bn | relu ; pool 3 s1 p1]").layers
    assert isinstance(cat, Block) and [len(p) for p in cat.parts] == [0, 2, 1]


def test_resnet_basic_blocks_by_hand() -> None:
    # two basic blocks at 64x56x56: each 2·(64·64·9) weights + 2·128 bn params = 73,984
    report = run(f"[{BASIC}]*2 | {DOWN}", 64, 56, 56)
    assert report.output_shape == (128, 28, 28)
    rows = [r for r in report.rows if isinstance(r, BlockReport) and r.depth == 1]
    assert [(r.label, r.costs.params) for r in rows] == [("[…]×2", 147_968), ("res", 230_144)]
    # the downsampling block: 64·128·9 + 128·128·9 + 64·128 weights, 3 bn of 128 channels
    assert rows[1].costs.params == 73_728 + 147_456 + 8_192 + 3 * 256
    assert report.total.params == sum(layer.costs.params for layer in report.layers)


def test_densenet_style_concat_grows_channels() -> None:
    # each layer adds 32 maps to its input: 64 + 3·32 = 160
    report = run("[cat[ ; bn | relu | conv 32x3x3 p1 nobias]]*3", 64, 8, 8)
    assert report.output_shape == (160, 8, 8)
    assert [layer.input_shape[0] for layer in report.layers if layer.kind == "conv"] == [
        64,
        96,
        128,
    ]


def test_paths_and_canonical_spec() -> None:
    report = run(f"conv 64x3x3 p1 | [{BASIC}]*2", 3, 8, 8)
    paths = [layer.path for layer in report.layers]
    assert paths[:3] == ["0", "1.0.0.body.0", "1.0.0.body.1"]
    assert paths[6] == "1.0.1"  # the relu after the first residual
    assert paths[7] == "1.1.0.body.0"
    assert report.spec == f"conv 64x3x3 p1 | [{BASIC}]*2"
    again = run(report.spec, 3, 8, 8)
    assert again.layers == report.layers


def test_block_errors() -> None:
    with pytest.raises(SpecError) as info:
        run("res[conv 128x3x3 s2 p1 | bn]", 64, 56, 56)
    assert info.value.message == (
        "cannot add: the body gives 128x28x28 but the input (identity shortcut) gives "
        "64x56x56; a shortcut 'conv 128x1x1 s2 nobias | bn' would fit"
    )
    assert info.value.location is not None and info.value.location.start == 0
    with pytest.raises(SpecError) as info:
        run("cat[conv 8x1x1 ; pool 3 s2]", 4, 9, 9)
    assert info.value.message == (
        "cannot concatenate: branch 2 gives 4x4x4 but branch 1 gives 8x9x9; "
        "all but the channel size must agree"
    )


@pytest.mark.parametrize(
    ("spec", "message", "marked"),
    [
        ("[relu", "'[' at column 1 is never closed", ""),
        ("[relu]", "a [ ... ] group needs a repeat count: [ ... ]*2", ""),
        ("[relu]*0", "repeat count must be at least 1, got 0", "0"),
        ("[relu]*x", "repeat count: 'x' is not a number", "x"),
        ("relu*2", "only a [ ... ] group can be repeated: write [stage]*N", "*"),
        ("relu ]", "unexpected ']' with no block open", "]"),
        (
            "[relu ; relu]*2",
            "';' separates the paths of res[...], cat[...], mul[...], split[...], catcrop[...] "
            "or sum[...], not [...]*N",
            ";",
        ),
        ("res[relu ; relu ; relu]", "res[...] has a body and at most one shortcut", ";"),
        ("res[]", "empty stage: a layer is missing here", "]"),
    ],
)
def test_block_syntax_errors(spec: str, message: str, marked: str) -> None:
    with pytest.raises(SpecError) as info:
        run(spec, 3, 8, 8)
    assert info.value.message == message
    loc = info.value.location
    assert loc is not None
    assert loc.line[loc.start : loc.end] == marked


def test_layer_limit_is_checked_before_work() -> None:
    with pytest.raises(SpecError) as info:
        run("[[relu]*100000]*100000", 3, 8, 8)
    assert "10,000,000,000 layers" in info.value.message and "--max-layers" in info.value.message


RESNET_YAML = """
name: tiny-resnet
input: [3, 32, 32]
blocks:
  basic:
    params: {width: 16, stride: 1}
    layers:
      - residual:
          body:
            - conv {width}x3x3 s{stride} p1 nobias
            - bn
            - relu
            - conv: {filters: {width}, kernel: 3, padding: 1, bias: false, name: conv2}
            - bn
  down:
    params: {width: 32}
    layers:
      - residual:
          body:
            - conv {width}x3x3 s2 p1 nobias | bn | relu | conv {width}x3x3 p1 nobias | bn
          shortcut: ["conv {width}x1x1 s2 nobias", bn]   # quoted: { in a [flow] list
      - relu
layers:
  - conv 16x3x3 p1 nobias | bn | relu
  - repeat: {name: stage1, times: 2, layers: [basic: {width: 16}]}
  - down: {width: 32, name: stage2}
  - concat: [[conv 8x1x1], [], "pool 3 s1 p1"]
  - group: {name: head, layers: [gap, flatten, fc 10]}
"""


def test_yaml_blocks_match_the_string_form() -> None:
    model = load(RESNET_YAML, "tiny.yaml")
    report = analyze(model)
    string = analyze(parse(report.spec), (3, 32, 32))
    assert [(a.spec, a.output_shape, a.costs) for a in report.layers] == [
        (b.spec, b.output_shape, b.costs) for b in string.layers
    ]
    # concat: 8 + 32 + 32 maps at 16x16
    assert report.layers[-4].output_shape == (32, 16, 16)
    assert report.output_shape == (10,)
    paths = [layer.path for layer in report.layers]
    assert "stage1.0.0.0.body.conv2" in paths and "head.2" in paths


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "  - basic: {widht: 8}",
            "block 'basic' has no parameter 'widht' — did you mean 'width'?; "
            "it takes width, stride",
        ),
        ("  - basic: {width: x}", "unknown option 'xx3x3' for conv"),
        ("  - repeat: {times: 2}", "repeat needs 'layers:' — repeat: {times: N, layers: [...]}"),
        (
            "  - residual: {shortcut: [relu]}",
            "residual needs 'body:' — residual: {body: [...], shortcut: [...]} "
            "(shortcut optional: identity)",
        ),
        ("  - basics: {width: 8}", "unknown layer or block 'basics' — did you mean 'basic'?"),
    ],
)
def test_yaml_block_errors(body: str, message: str) -> None:
    text = RESNET_YAML.split("layers:\n  - conv 16x3x3")[0] + "layers:\n" + body + "\n"
    with pytest.raises(SpecError) as info:
        analyze(load(text, "tiny.yaml"))
    assert info.value.message == message


def test_a_block_that_uses_itself_is_refused() -> None:
    text = "input: [3, 8, 8]\nblocks:\n  loop:\n    layers: [loop: ]\nlayers:\n  - loop:\n"
    with pytest.raises(SpecError) as info:
        load(text)
    assert info.value.message == (
        "blocks nest deeper than 64 (raise the limit with --max-depth); does a block use itself?"
    )


def test_nesting_limit_and_how_to_raise_it() -> None:
    deep = "[" * 70 + "relu" + "]*1" * 70
    with pytest.raises(SpecError) as info:
        run(deep, 3, 8, 8)
    assert info.value.message == "blocks nest deeper than 64 (raise the limit with --max-depth)"
    result = CliRunner().invoke(cli, [deep, "--input", "3x8x8", "--max-depth", "100", "--json"])
    assert result.exit_code == 0, result.output
    deepest = "[" * 200 + "relu" + "]*1" * 200
    result = CliRunner().invoke(cli, [deepest, "--input", "3x8x8", "--max-depth", "200"])
    assert result.exit_code == 0, (
        result.output
    )  # the ceiling stays clear of Python's recursion limit


# --- gates, splits, crops, side outputs, frozen blocks ------------------------
# Issue 13's blocks: the gate mul[...] (squeeze-and-excitation), split[...] and the
# shuffle kind (ShuffleNetV2), catcrop[...] (U-Net's crop-and-concatenate), side[...]
# (auxiliary heads) and ``frozen`` on a block, in both forms, against torch.


torch = need_torch()


nn = torch.nn


FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode


SE = "mul[ gap | conv 8x1x1 | relu | conv 32x1x1 | hardsigmoid ]"


# ShuffleNetV2's stride-1 unit on 116 channels (torchvision's InvertedResidual):
# the second half of the channels through 1x1, 3x3 depthwise, 1x1, then a shuffle
BRANCH = (
    "conv 58x1x1 nobias | bn | relu | conv 58x3x3 p1 dw nobias | bn | conv 58x1x1 nobias | bn "
    "| relu"
)


SHUFFLE_UNIT = f"split[ ; {BRANCH} ] | shuffle 2"


UNET_LEVEL = "catcrop[ ; pool 2 | [conv 128x3x3 | relu]*2 | deconv 64x2x2 s2 ]"


AUX = "side[ avgpool 5 s3 | conv 128x1x1 nobias | bn | relu | flatten | fc 10 ] | conv 64x3x3"


def figures(module: Any, shape: tuple[int, ...]) -> dict[str, Any]:
    """Shape, params, trainable params and MACs of a torch module (eval, meta)."""
    module = module.to("meta").eval()
    x = torch.empty((1, *shape), device="meta")
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    return {
        "shape": tuple(y.shape[1:]),
        "params": sum(p.numel() for p in module.parameters()),
        "trainable": sum(p.numel() for p in module.parameters() if p.requires_grad),
        "macs": counter.get_total_flops() // 2,
    }


def ours(spec: str, shape: tuple[int, ...]) -> dict[str, Any]:
    report = run(spec, *shape)
    return {
        "shape": report.output_shape,
        "params": report.total.params,
        "trainable": report.total.trainable_params,
        "macs": report.total.macs,
    }


class SqueezeExcitation(nn.Module):  # type: ignore[misc]
    """torchvision.ops.SqueezeExcitation as torchvision writes it (avgpool, fc1 as a
    1x1 conv, relu, fc2, the scale activation, ``scale * input``), with
    MobileNetV3's hardsigmoid."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = nn.Hardsigmoid()

    def forward(self, x: Any) -> Any:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


def test_se_block_against_torch() -> None:
    # by hand: fc1 32·8 + 8 = 264, fc2 8·32 + 32 = 288; MACs 256 + 256, the multiply 0
    expected = figures(SqueezeExcitation(32, 8), (32, 14, 14))
    assert expected == {"shape": (32, 14, 14), "params": 552, "trainable": 552, "macs": 512}
    assert ours(SE, (32, 14, 14)) == expected


def test_se_gate_may_have_the_input_shape() -> None:
    # a spatial gate (CBAM-like): x * sigmoid(conv(x)), same shape, broadcast not needed
    report = run("mul[ conv 8x3x3 p1 | sigmoid ]", 8, 6, 6)
    assert report.output_shape == (8, 6, 6) and report.total.params == 8 * 8 * 9 + 8


def channel_shuffle(x: Any, groups: int) -> Any:
    """torchvision.models.shufflenetv2.channel_shuffle, as written there."""
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(n, -1, h, w)


class InvertedResidual(nn.Module):  # type: ignore[misc]
    """torchvision's ShuffleNetV2 unit, stride 1: ``x1, x2 = x.chunk(2, dim=1)``,
    ``cat((x1, branch2(x2)), dim=1)``, then the shuffle."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        half = channels // 2
        self.branch2 = nn.Sequential(
            nn.Conv2d(half, half, 1, bias=False),
            nn.BatchNorm2d(half),
            nn.ReLU(inplace=True),
            nn.Conv2d(half, half, 3, 1, 1, groups=half, bias=False),
            nn.BatchNorm2d(half),
            nn.Conv2d(half, half, 1, bias=False),
            nn.BatchNorm2d(half),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: Any) -> Any:
        x1, x2 = x.chunk(2, dim=1)
        return channel_shuffle(torch.cat((x1, self.branch2(x2)), dim=1), 2)


def test_shufflenet_unit_against_torch() -> None:
    expected = figures(InvertedResidual(116), (116, 28, 28))
    assert ours(SHUFFLE_UNIT, (116, 28, 28)) == expected
    # by hand: 2 · 58·58 pointwise + 58·9 depthwise + 3 BN of 2·58
    assert expected["params"] == 2 * 58 * 58 + 58 * 9 + 3 * 116


def test_shuffle_orders_channels_as_torchvision() -> None:
    """The emitted shuffle (torch's ChannelShuffle) moves the values as torchvision's
    view-transpose-view does."""
    x = torch.arange(2 * 12 * 2 * 3, dtype=torch.float32).reshape(2, 12, 2, 3)
    assert torch.equal(nn.ChannelShuffle(3)(x), channel_shuffle(x, 3))


def test_split_shares_and_errors() -> None:
    report = run("split[ conv 4x1x1 ; ; pool 3 s1 p1 ]", 12, 5, 5)
    convs = [layer for layer in report.layers if layer.kind == "conv"]
    assert convs[0].input_shape == (4, 5, 5)  # a third of 12 channels
    assert report.output_shape == (4 + 4 + 4, 5, 5)
    with pytest.raises(SpecError, match=r"cannot split 10 channels .* into 3 equal shares"):
        run("split[ ; ; relu ]", 10, 5, 5)


def test_unet_level_crops_to_the_decoder() -> None:
    # 568 → pool 284 → two valid 3x3 convs 280 → deconv ×2 560; the skip: 568 cropped
    # to 560, 4 cut on each side; 64 + 64 channels
    report = run(UNET_LEVEL, 64, 568, 568)
    assert report.output_shape == (128, 560, 560)
    block = report.tree[0]
    assert isinstance(block, BlockReport) and block.kind == "catcrop"
    with pytest.raises(SpecError, match="cannot concatenate: branch 2 gives 64x560x560"):
        run(UNET_LEVEL.replace("catcrop", "cat"), 64, 568, 568)


def test_crop_is_centred_in_the_emitted_module() -> None:
    """catcrop[ ; conv 2x3x3 ; conv 2x1x1 p2 ] on 2×7×8 gives 5×6 from 7×8 (cut 1
    before, 1 after; 0 and 1), 7×8 and 11×12 (cut 3 and 3, 4 before and 4 after)."""
    spec = "catcrop[ ; conv 2x3x3 ; conv 2x1x1 p2 ]"
    assert run(spec, 2, 7, 8).output_shape == (6, 5, 6)
    namespace = _emitted(spec, "2x7x8")
    net = namespace["Net"]().eval()
    x = torch.randn(1, 2, 7, 8)
    y = net(x)
    assert y.shape == (1, 6, 5, 6)
    assert torch.equal(y[:, :2], x[:, :, 1:6, 1:7])  # ⌊(7 − 5)/2⌋ = 1, ⌊(8 − 6)/2⌋ = 1
    block = net.layers[0]
    wide = block.branches[2](x)
    assert torch.equal(y[:, 4:], wide[:, :, 3:8, 3:9])  # ⌊(11 − 5)/2⌋, ⌊(12 − 6)/2⌋


def test_crop_moves_the_receptive_field() -> None:
    # the identity branch cropped 1 from 10 to 8: unit 0 sees input position 1; the
    # conv branch's unit 0 sees 0..2. The joined field is the widest: 3 from 0.
    report = run("catcrop[ ; conv 1x3x3 ] | conv 1x1x1", 1, 10, 10)
    field = report.layers[-1].field
    assert field is not None and field.sizes == (3, 3) and field.starts == (0, 0)
    alone = run("catcrop[ ; conv 1x3x3 p1 | pool 2 | deconv 1x2x2 s2 ]", 1, 9, 9)
    assert alone.output_shape == (2, 8, 8)


class Aux(nn.Module):  # type: ignore[misc]
    """An aux head that leaves the trunk (Inception-v3's InceptionAux, shortened),
    run in eval too, as the segmentation nets run theirs."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Sequential(
            nn.AvgPool2d(5, 3),
            nn.Conv2d(16, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(128 * 2 * 2, 10),
        )
        self.trunk = nn.Conv2d(16, 64, 3)

    def forward(self, x: Any) -> Any:
        self.aux = self.head(x)
        return self.trunk(x)


def test_side_output_counts_in_the_totals() -> None:
    shape = (16, 10, 10)
    expected = figures(Aux(), shape)
    assert ours(AUX, shape) == expected
    report = run(AUX, *shape)
    trunk = 64 * 16 * 9 * 8 * 8  # the conv's MACs on 8×8 outputs
    assert report.macs_main == trunk and report.total.macs == expected["macs"]
    data = json.loads(_cli(AUX, "--input", "16x10x10", "--json"))
    assert data["total"]["macs_main"] == trunk
    assert data["total"]["macs"] == expected["macs"]
    side = report.tree[0]
    assert isinstance(side, BlockReport) and side.output_shape == (10,)


def test_side_output_of_the_emitted_module() -> None:
    namespace = _emitted(AUX, "16x10x10")
    net = namespace["Net"]().eval()
    y = net(torch.randn(2, 16, 10, 10))
    assert y.shape == (2, 64, 8, 8) and net.layers[0].output.shape == (2, 10)


FROZEN = [
    ("[conv 8x3x3 p1 | bn | relu]*2 frozen | fc 10", 2 * (8 * 8 * 9 + 8 + 16)),
    ("res[conv 8x3x3 p1 nobias | bn] frozen | fc 10", 8 * 8 * 9 + 16),
    ("cat[ ; conv 4x1x1] frozen | fc 10", 8 * 4 + 4),
    (f"{SE.replace('32x1x1', '8x1x1')} frozen | fc 10", 8 * 8 + 8 + 8 * 8 + 8),
]


@pytest.mark.parametrize(("spec", "frozen"), FROZEN)
def test_frozen_block(spec: str, frozen: int) -> None:
    report = run(spec, 8, 4, 4)
    assert report.total.params - report.total.trainable_params == frozen
    # the frozen layers print 'frozen' each, and the canonical spec parses back
    again = run(report.spec, 8, 4, 4)
    assert again.layers == report.layers and again.total == report.total


def test_frozen_block_against_torch() -> None:
    spec = "conv 8x3x3 p1 | [conv 8x3x3 p1 | bn | relu]*2 frozen | gap | fc 10"
    check([spec, "--input", "3x8x8"])  # the emitted net: params, trainable, MACs
    report = run(spec, 3, 8, 8)
    assert report.total.trainable_params == (3 * 8 * 9 + 8) + (8 * 10 + 10)


def test_yaml_trainable_false() -> None:
    model = load(YAML, "b13.yaml")
    report = analyze(model)
    string = run(report.spec, 3, 16, 16)
    assert [(a.spec, a.costs) for a in string.layers] == [(b.spec, b.costs) for b in report.layers]
    frozen = [layer.spec for layer in report.layers if layer.layer and not layer.layer.trainable]
    assert frozen == ["conv 8x3x3 frozen", "conv 8x1x1 frozen", "conv 8x1x1 frozen"]
    bad = YAML.replace("trainable: false}", "trainable: no-thanks}")
    with pytest.raises(SpecError, match="trainable is true or false"):
        load(bad, "b13.yaml")


YAML = """
name: b13
input: [3, 16, 16]
layers:
  - conv 32x3x3 p1
  - mul: [gap, conv 8x1x1, relu, conv 32x1x1, hardsigmoid]
  - split: [[], [conv 16x3x3 p1, bn, relu]]
  - shuffle 2
  - catcrop: {name: skip, branches: [[conv 8x3x3], []], trainable: false}
  - side: {name: aux, layers: [gap, flatten, fc 10]}
  - repeat: {times: 2, layers: [conv 8x1x1], trainable: false}
  - mul: {layers: [conv 8x1x1, sigmoid]}
"""


STRING = (
    f"conv 32x3x3 p1 | {SE} | split[ ; conv 16x3x3 p1 | bn | relu ] | shuffle 2 "
    "| catcrop[ conv 8x3x3 ; ] frozen | side[ gap | flatten | fc 10 ] | [conv 8x1x1]*2 frozen "
    "| mul[ conv 8x1x1 | sigmoid ]"
)


def test_yaml_equals_the_string_form() -> None:
    from_yaml = analyze(load(YAML, "b13.yaml"))
    from_string = run(STRING, 3, 16, 16)
    assert [(a.spec, a.output_shape, a.costs) for a in from_yaml.layers] == [
        (b.spec, b.output_shape, b.costs) for b in from_string.layers
    ]
    assert from_yaml.spec == from_string.spec
    kinds = [row.kind for row in from_string.tree if isinstance(row, BlockReport)]
    assert kinds == ["mul", "split", "catcrop", "side", "repeat", "mul"]


def test_parse_structure_and_canonical_round_trip() -> None:
    model = parse(STRING)
    kinds = [node.kind for node in model.layers if isinstance(node, Block)]
    assert kinds == [
        BlockKind.MUL,
        BlockKind.SPLIT,
        BlockKind.CROP,
        BlockKind.SIDE,
        BlockKind.REPEAT,
        BlockKind.MUL,
    ]
    report = run(STRING, 3, 16, 16)
    assert parse(report.spec) == parse(run(report.spec, 3, 16, 16).spec)
    assert parse(report.spec).layers == model.layers  # frozen pushed into the layers
    assert decode(encode(model)) == model


SPATIAL_GATE = "conv 8x3x3 p1 | mul[ conv 8x3x3 p1 | sigmoid ]"


@pytest.mark.parametrize("spec", [STRING, SHUFFLE_UNIT, UNET_LEVEL, AUX, SPATIAL_GATE])
def test_emitted_module_agrees(spec: str) -> None:
    """The emitted module, run by torch: cnncalc's shape, params, trainable params, MACs."""
    dims = {STRING: "3x16x16", UNET_LEVEL: "64x24x24", AUX: "16x10x10", SPATIAL_GATE: "3x8x8"}
    check([spec, "--input", dims.get(spec, "116x8x8")])


MEMORY_NETS = [
    "conv 8x3x3 p1 | mul[ conv 8x1x1 | relu ; gap | conv 8x1x1 | sigmoid ] | gap | flatten",
    f"conv 32x3x3 p1 | relu | {SE} | gap | flatten | fc 5",
    f"conv 16x1x1 | {SHUFFLE_UNIT.replace('58', '8')} | gap | flatten | fc 3",
    "conv 4x3x3 p1 | relu | catcrop[ ; conv 4x3x3 | relu ; pool 2 | deconv 4x2x2 s2 ] "
    "| gap | flatten | fc 2",
    "conv 8x3x3 p1 | relu | side[ gap | flatten | fc 4 ] | conv 8x3x3 | relu | gap | flatten",
    "conv 8x3x3 p1 | [conv 8x3x3 p1 | bn | relu]*3 shared | gap | flatten | fc 2",
]


@pytest.mark.parametrize("spec", MEMORY_NETS)
@pytest.mark.parametrize("inplace", [True, False])
def test_kept_against_autograd(spec: str, inplace: bool) -> None:
    """torch's own saved tensors (distinct storages that are not parameters or
    buffers) on the emitted module: a gate's multiply keeps both factors, a chunk,
    a crop and a side output's trunk keep nothing."""
    predicted, saved = kept_by_autograd(spec, inplace)
    assert predicted == saved


def test_gate_keeps_both_factors_by_hand() -> None:
    # conv 4x3x3 p1 on 2×4×4 | mul[conv 4x1x1 | sigmoid]: the conv keeps its input
    # (2·16 floats), the gate's conv its input (the first conv's output, 4·16), the
    # sigmoid its output (4·16), the multiply its two factors: the first conv's output
    # (already kept) and the sigmoid's output (already kept). Per sample, float32.
    memory = estimate(run("conv 4x3x3 p1 | mul[ conv 4x1x1 | sigmoid ]", 2, 4, 4), batch=1)
    assert memory.kept_bytes == (2 * 16 + 4 * 16 + 4 * 16) * 4


SHARED = "conv 8x3x3 p1 | [conv 8x3x3 p1 | bn | relu]*3 shared | gap | fc 2"


class Recurrent(nn.Module):  # type: ignore[misc]
    """The same conv-bn-relu applied three times (recurrent-style reuse)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.body = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))

    def forward(self, x: Any) -> Any:
        x = self.stem(x)
        for _ in range(3):
            x = self.body(x)
        return self.head(x)


def test_shared_repeat_against_torch() -> None:
    expected = figures(Recurrent(), (3, 8, 8))
    # by hand: params once (224 + 584 + 16 + 18), the body's MACs three times
    assert expected["params"] == 224 + 584 + 16 + 18
    assert expected["macs"] == 8 * 27 * 64 + 3 * 8 * 72 * 64 + 16
    assert ours(SHARED, (3, 8, 8)) == expected
    report = run(SHARED, 3, 8, 8)
    assert report.total.buffers == 16  # BN's running statistics, once
    again = run(report.spec, 3, 8, 8)
    assert report.spec.count("*3 shared") == 1 and again.total == report.total
    check([SHARED, "--input", "3x8x8"])


def test_shared_repeat_in_yaml_and_errors() -> None:
    text = (
        "input: [3, 8, 8]\nlayers:\n  - conv 8x3x3 p1\n"
        "  - repeat: {times: 3, shared: true, layers: [conv 8x3x3 p1, bn, relu]}\n"
        "  - gap | fc 2\n"
    )
    model = load(text, "shared.yaml")
    assert analyze(model).total == run(SHARED, 3, 8, 8).total
    assert decode(encode(model)) == model and model == parse(SHARED).replace(input_shape=(3, 8, 8))
    with pytest.raises(SpecError, match="cannot share weights: the repeated layers take 3x8x8"):
        run("[conv 8x3x3 p1]*2 shared", 3, 8, 8)
    with pytest.raises(SpecError, match="shared is true or false"):
        load(text.replace("shared: true", "shared: 1"), "shared.yaml")


@pytest.mark.parametrize(
    ("spec", "message", "marked"),
    [
        ("mul[relu ; relu ; relu]", "mul[...] has at most two paths (a ; gate): no more ';'", ";"),
        ("side[relu ; relu]", "side[...] has one path: no ';'", ";"),
        (
            "mul[conv 4x1x1]",
            "cannot multiply: the gate gives 4x8x8 but the input is 3x8x8; each size must be "
            "equal or 1 (torch's broadcasting), as in a gate of 3x1x1",
            "mul[conv 4x1x1]",
        ),
        (
            "catcrop[ ; gap | flatten]",
            "cannot crop and concatenate: branch 2 gives 3 and branch 1 gives 3x8x8; both "
            "need channels and the same spatial axes",
            "catcrop[ ; gap | flatten]",
        ),
        ("relu frozen", "", "frozen"),
    ],
)
def test_gate_split_crop_side_errors(spec: str, message: str, marked: str) -> None:
    with pytest.raises(SpecError) as info:
        run(spec, 3, 8, 8)
    if message:
        assert info.value.message == message
    loc = info.value.location
    assert loc is not None and loc.line[loc.start : loc.end] == marked


def test_errors_exit_2_with_a_caret() -> None:
    result = CliRunner().invoke(cli, ["split[ ; relu ; relu]", "--input", "4x8x8"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: split[...]: cannot split 4 channels")
    assert "^^^" in result.stderr


def test_receptive_fields_through_a_gate_and_a_side_output() -> None:
    # the gate's field after gap: the conv's 3 plus 15 more positions, from −1 (the
    # padding), so the multiply's output sees as much as its widest factor
    report = run(f"conv 32x3x3 p1 | {SE} | conv 4x1x1", 3, 16, 16)
    field = report.layers[-1].field
    assert field is not None and (field.sizes, field.starts) == ((18, 18), (-1, -1))
    trunk = run("conv 32x3x3 p1 | side[ gap | flatten | fc 3 ] | conv 4x3x3", 3, 16, 16)
    field = trunk.layers[-1].field
    assert field is not None and field.sizes == (5, 5)  # the side branch leaves it alone


def test_pictures_of_the_new_blocks() -> None:
    picture = svg.render(run(STRING, 3, 16, 16))
    for tag in ("⊗", "split", "cat crop", "side output", "×2"):
        assert tag in picture


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _emitted(spec: str, dims: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "emitted"}
    source = _cli(spec, "--input", dims, "--emit", "torch")
    exec(compile(source, "<emitted>", "exec"), namespace)
    return namespace


PRODUCT = "mul[ conv 8x1x1 nobias | bn | relu ; gap | conv 8x1x1 | sigmoid ]"


def test_two_path_product_against_torch() -> None:
    """LR-ASPP's head, cbr(x) * scale(x), both reading x, as torchvision writes it:
    cbr = conv 16→8 1×1 without bias (128) + BN (16); scale = pool, conv 16→8 with
    bias (136), sigmoid. Params 280; MACs 8·8·8·16 = 8,192 + 16·8 = 128: 8,320."""
    torch = need_torch()
    nn = torch.nn
    FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode

    class Head(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.cbr = nn.Sequential(nn.Conv2d(16, 8, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
            self.scale = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(16, 8, 1), nn.Sigmoid())

        def forward(self, x: Any) -> Any:
            return self.cbr(x) * self.scale(x)

    head = Head().eval()
    with FlopCounterMode(display=False) as counter:
        y = head(torch.rand(1, 16, 8, 8))
    report = run(PRODUCT, 16, 8, 8)
    assert report.output_shape == tuple(y.shape[1:]) == (8, 8, 8)
    assert report.total.params == sum(p.numel() for p in head.parameters()) == 280
    assert report.total.macs == counter.get_total_flops() // 2 == 8_320
    check([PRODUCT, "--input", "16x8x8"])  # the emitted module agrees too


def test_two_path_product_forms() -> None:
    yaml_form = load(
        "input: [16, 8, 8]\nlayers:\n  - mul: {trunk: [conv 8x1x1 nobias, bn, relu], "
        "layers: [gap, conv 8x1x1, sigmoid]}\n"
    )
    assert yaml_form.layers == parse(PRODUCT).layers
    assert analyze(parse(PRODUCT), (16, 8, 8)).spec == PRODUCT.replace("[ ", "[").replace(" ]", "]")
    with pytest.raises(SpecError, match="at most two paths"):
        parse("mul[ relu ; gap ; relu ]")
    with pytest.raises(SpecError, match="cannot multiply"):
        run("mul[ conv 4x1x1 ; gap | conv 8x1x1 ]", 16, 8, 8)
