"""Blocks: repeat, residual, concat and named YAML blocks, in both forms."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cnncalc import SpecError, analyze, parse
from cnncalc.cli import cli
from cnncalc.layer import Block, BlockKind
from cnncalc.readers.yamlspec import load
from cnncalc.report import BlockReport

from conftest import run

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
