"""Each layer kind's shape, parameter and cost rule, against hand-worked numbers."""

from __future__ import annotations

import pytest

from cnncalc import SpecError, analyze, parse

from conftest import error, run


def one(spec: str, *dims: int):  # type: ignore[no-untyped-def]
    report = run(spec, *dims)
    return report.layers[0]


def test_course_example() -> None:
    # conv 100x10x10 on 1x200x200: (200−10)/1+1 = 191; params 100·(1·10·10)+100 = 10,100
    # MACs 100·191·191·100 = 364,810,000. pool 2 → 95 (191/2 floored).
    # fc 10: 100·95·95 = 902,500 inputs → 9,025,000 weights + 10 biases.
    report = run("conv 100x10x10 s1 p0 | pool 2 | fc 10", 200, 200)
    conv, pool, fc = report.layers
    assert conv.output_shape == (100, 191, 191)
    assert (conv.costs.params, conv.costs.macs) == (10_100, 364_810_000)
    assert conv.costs.connections == 364_810_000 + 100 * 191 * 191
    assert pool.output_shape == (100, 95, 95)
    assert pool.warnings == (  # both axes alike: one line
        "H, W: (191 − 2 + 2·0)/2 + 1 = 95.5, floored to 95: input row and column 190 are "
        "never read",
    )
    assert (fc.costs.params, fc.costs.macs) == (9_025_010, 9_025_000)
    assert report.total.params == 10_100 + 9_025_010
    assert report.total.flops == 2 * (364_810_000 + 9_025_000)


def test_slides_comparison() -> None:
    # 200x200 image, one 10x10 filter, same padding: output 1x200x200
    # dense 40,000 x 40,000 = 1.6e9, local 40,000 positions x 100 = 4e6, shared 100
    conv = one("conv 1x10x10 psame", 200, 200)
    assert conv.output_shape == (1, 200, 200)
    assert conv.compare is not None
    assert conv.compare.dense.weights == 1_600_000_000
    assert conv.compare.local.weights == 4_000_000
    assert conv.compare.shared.weights == 100
    assert (conv.compare.dense.biases, conv.compare.shared.biases) == (40_000, 1)
    many = one("conv 100x10x10 psame", 200, 200)
    assert many.compare is not None and many.compare.shared.weights == 10_000


def test_grouped_and_depthwise_conv() -> None:
    # 32→64 channels, 3x3, groups 4: 64·(32/4)·9 = 4,608 weights + 64 biases
    conv = one("conv 64x3x3 g4 p1", 32, 8, 8)
    assert conv.costs.params == 4_672
    assert conv.costs.macs == 64 * 8 * 8 * 8 * 9
    # depthwise 32→32: 32·1·9 + 32 = 320
    dw = one("conv 32x3x3 dw p1 s2", 32, 8, 8)
    assert dw.output_shape == (32, 4, 4)
    assert dw.costs.params == 320
    assert dw.spec == "conv 32x3x3 s2 p1 dw"


def test_dilated_and_per_axis_conv() -> None:
    # H: (32 − 5 + 2)/1 + 1 = 30 with D=2 (F_eff 5); W: (32 − 3)/2 + 1 = 15.5 → 15
    conv = one("conv 4x3x3 d2x1 p1x0 s1x2", 1, 32, 32)
    assert conv.output_shape == (4, 30, 15)


def test_psame_strided_follows_keras() -> None:
    # out = ceil(W/S): ceil(7/2) = 4, ceil(224/2) = 112
    assert one("conv 8x3x3 s2 psame", 7, 7).output_shape == (8, 4, 4)
    assert one("conv 8x7x7 s2 psame", 3, 224, 224).output_shape == (8, 112, 112)
    assert one("pool 3 s2 psame", 8, 7, 7).output_shape == (8, 4, 4)


def test_conv_1d_and_3d() -> None:
    # 1-D: (16000 − 80)/4 + 1 = 3981; params 32·1·80 + 32 = 2,592
    conv1 = one("conv 32x80 s4", 1, 16000)
    assert conv1.output_shape == (32, 3981)
    assert conv1.costs.params == 2_592
    # 3-D: 8 filters 3x3x3 on 1x16x64x64, p1: shape kept; params 8·27 + 8 = 224
    conv3 = one("conv 8x3x3x3 p1", 1, 16, 64, 64)
    assert conv3.output_shape == (8, 16, 64, 64)
    assert conv3.costs.params == 224


def test_local_layer() -> None:
    # 1x200x200, 1 filter 10x10 psame: 40,000 positions x 100 weights + 40,000 biases
    local = one("local 1x10x10 psame", 200, 200)
    assert local.costs.params == 4_000_000 + 40_000
    assert local.costs.macs == 4_000_000
    assert local.compare is not None and local.compare.local.weights == 4_000_000


def test_deconv() -> None:
    # 512x4x4 → 256x8x8 (DCGAN): (4−1)·2 − 2 + 3 + 1 = 8
    # params 512·256·16 + 256; MACs = input elements 512·16 × 256·16
    layer = one("deconv 256x4x4 s2 p1", 512, 4, 4)
    assert layer.output_shape == (256, 8, 8)
    assert layer.costs.params == 512 * 256 * 16 + 256
    assert layer.costs.macs == 512 * 16 * 256 * 16
    assert one("deconv 8x3x3 s2 psame", 4, 5, 5).output_shape == (8, 10, 10)


def test_pools() -> None:
    assert one("pool 3 s2", 64, 55, 55).output_shape == (64, 27, 27)  # AlexNet
    assert one("pool 3 s2 ceil", 64, 112, 112).output_shape == (64, 56, 56)  # GoogLeNet
    assert one("pool 3 s2", 64, 112, 112).output_shape == (64, 55, 55)
    assert one("avgpool 2", 6, 28, 28).output_shape == (6, 14, 14)
    assert one("gap", 512, 7, 7).output_shape == (512, 1, 1)
    assert one("adaptivepool 6", 256, 13, 13).output_shape == (256, 6, 6)
    assert one("adaptivepool 2x3", 8, 5, 5).output_shape == (8, 2, 3)
    assert one("pool 2", 4, 10).output_shape == (4, 5)  # a single size fits any rank


def test_subsample_lenet() -> None:
    # S2: 6 maps of 28x28 → 14x14; 2 params per map; connections 14·14·6·(4+1) = 5,880
    layer = one("subsample 2", 6, 28, 28)
    assert layer.output_shape == (6, 14, 14)
    assert layer.costs.params == 12
    assert layer.costs.connections == 5_880


def test_fc_flatten_bn_embed_rbf_activations() -> None:
    report = run("flatten | fc 100 | bn | relu | dropout 0.5 | fc 10 nobias | softmax", 3, 8, 8)
    shapes = [layer.output_shape for layer in report.layers]
    assert shapes == [(192,), (100,), (100,), (100,), (100,), (10,), (10,)]
    assert [layer.costs.params for layer in report.layers] == [0, 19_300, 200, 0, 0, 1_000, 0]
    assert report.layers[2].costs.buffers == 200
    bn2d = one("bn", 64, 7, 7)
    assert (bn2d.costs.params, bn2d.costs.buffers, bn2d.costs.macs) == (128, 128, 0)
    embed = one("embed 10000x128", 50)
    assert embed.output_shape == (128, 50)
    assert embed.costs.params == 1_280_000
    rbf = one("rbf 10 frozen", 84)
    assert (rbf.costs.params, rbf.costs.trainable_params, rbf.costs.connections) == (840, 0, 840)


@pytest.mark.parametrize(
    ("spec", "dims", "resolved"),
    [
        ("conv 8x3x3", (200, 200), (1, 200, 200)),
        ("conv 8x3x3", (3, 224, 224), (3, 224, 224)),
        ("conv 8x5", (16000,), (1, 16000)),
        ("conv 8x5", (2, 16000), (2, 16000)),
        ("conv 8x3x3x3", (1, 16, 64, 64), (1, 16, 64, 64)),
        ("relu | gap", (3, 32, 32), (3, 32, 32)),
        ("fc 10", (784,), (784,)),
        ("pool 2 | conv 8x3x3", (28, 28), (1, 28, 28)),
        # a DCGAN generator: z is 100 numbers; the deconv's 2-D kernel reads the
        # reshaped 1024x4x4, not the network's input
        ("fc 16384 | reshape 1024x4x4 | deconv 3x4x4 s2 p1", (100,), (100,)),
        ("flatten | fc 8 | reshape 2x2x2 | conv 1x1x1", (3, 4, 4), (3, 4, 4)),
    ],
)
def test_input_resolution(spec: str, dims: tuple[int, ...], resolved: tuple[int, ...]) -> None:
    assert run(spec, *dims).input_shape == resolved


def test_shape_errors() -> None:
    exc = error("conv 64x3x3 | conv 64x30x30", 3, 28, 28)
    assert exc.layer == "layer 2 'conv 64x30x30'"
    assert exc.message == (
        "H: (26 − 30 + 2·0)/1 + 1 = -3 < 1: the window (30) is larger than the padded input (26)"
    )
    assert error("conv 64x3x3 g5", 3, 8, 8).message == "groups=5 must divide the 3 input channels"
    assert error("conv 10x3x3 g3", 3, 8, 8).message == "groups=3 must divide the 10 filters"
    assert error("conv 8x3x3 | conv 8x3", 3, 8, 8).message == (
        "a 1-D kernel cannot slide over an input with 2 spatial axes"
    )
    assert error("fc 10 | conv 8x3x3", 3, 8, 8).message == (
        "needs an input with spatial axes (CxHxW...), got 10"
    )
    assert error("conv 8x3x3 s2x2x2", 3, 8, 8).message == (
        "stride has 3 values but the input has 2 spatial axes"
    )
    assert error("pool 2 p2", 3, 8, 8).message == (
        "padding 2 is more than half the window 2 (torch refuses it)"
    )
    assert error("deconv 8x3x3 s2 op2", 3, 8, 8).message == (
        "output padding 2 must be smaller than the stride (2) or the dilation (1)"
    )
    assert error("conv 8x3x3", 4, 3, 8, 8).message == (  # PyTorch's NCHW, pasted
        "--input 4x3x8x8 has 4 dims, one more than layer 1 'conv 8x3x3' (2-D) takes: "
        "--input leaves the batch out (it is --batch); give 3x8x8"
    )
    assert error("conv 8x3x3", 2, 4, 3, 8, 8).message == (
        "--input 2x4x3x8x8 has 5 dims, but layer 1 'conv 8x3x3' is 2-D: give 2 sizes, "
        "or 3 with the channels first"
    )
    assert error("conv 8x5", 3, 8, 8).message == (
        "--input 3x8x8 has 3 dims, but layer 1 'conv 8x5' is 1-D: give 1 size, "
        "or 2 with the channels first"
    )
    assert error("embed 100x8", 3, 50).message.startswith("--input 3x50: embed reads a token")
    assert error("conv 6x1x1 table=0,1,2/0/0/0/0/7", 6, 4, 4).message == (
        "the connection table names input map 7, but there are only 6 (0–5)"
    )


def test_strict_turns_warnings_into_errors() -> None:
    with pytest.raises(SpecError) as info:
        run("conv 8x3x3 s2", 1, 8, 8, strict=True)
    # (8 − 3)/2 + 1 = 3.5 → 3; rows 0..6 read, row 7 unread
    assert info.value.message == (
        "H, W: (8 − 3 + 2·0)/2 + 1 = 3.5, floored to 3: input row and column 7 are never read "
        "(--strict)"
    )
    assert run("conv 8x3x3 s2 p1", 1, 7, 7, strict=True).output_shape == (8, 4, 4)


def test_padding_only_leftover_warns_differently() -> None:
    # W=6, F=3, S=2, P=1: 2.5 → 3; the last window reads rows 3–5, the right padding is unused
    (layer,) = run("conv 1x3 s2 p1", 1, 6).layers
    # harmless: a note (JSON notes, --explain), not a warning under the table
    assert layer.warnings == ()
    assert layer.notes == (
        "L: (6 − 3 + 2·1)/2 + 1 = 3.5, floored to 3: the last padding position is never used",
    )
    # --strict refuses warnings alone; --strict-notes refuses the notes too
    assert run("conv 1x3 s2 p1", 1, 6, strict=True).output_shape == (1, 3)
    with pytest.raises(SpecError, match="padding position is never used \\(--strict-notes\\)"):
        analyze(parse("conv 1x3 s2 p1"), (1, 6), strict_notes=True)


def test_huge_numbers_are_exact() -> None:
    # 3x100000x100000, conv 64x3x3 p1: 64·27+64 params; MACs 1e10 positions · 64 · 27
    (layer,) = run("conv 64x3x3 p1", 3, 100_000, 100_000).layers
    assert layer.costs.macs == 10**10 * 64 * 27
