"""The classic architectures: published torchvision figures, and torchvision itself
when it is installed (there is no CPU wheel of it here, so CI skips that part)."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from cnncalc import sources
from cnncalc.engine import analyze
from cnncalc.report import BlockReport, Report

from published import PUBLISHED, PUBLISHED_SEGMENTATION, PUBLISHED_VIDEO

# Nets with side outputs or per-pixel outputs: input size, num_params, _ops (GMACs), the
# output shape, and whether _ops count the side outputs. Inception-v3's aux head does not
# run in eval mode, so its _ops are the main path's (total.macs_main); torchvision's
# segmentation nets run their aux heads in eval mode too, so theirs include them.
PUBLISHED_SIDE: dict[str, tuple[int, int, float, tuple[int, ...], bool]] = {
    "inception_v3": (299, 27_161_264, 5.713, (1000,), False),
    "fcn_resnet50": (520, 35_322_218, 152.717, (21, 520, 520), True),
    "deeplabv3_resnet50": (520, 42_004_074, 178.722, (21, 520, 520), True),
    "lraspp_mobilenet_v3_large": (520, 3_221_538, 2.086, (21, 520, 520), True),  # no side
    **{name: (*figures, (21, 520, 520), True) for name, figures in PUBLISHED_SEGMENTATION.items()},
}


def preset(name: str) -> Report:
    return analyze(sources.load(name))


def top_blocks(report: Report) -> dict[str, tuple[int, ...]]:
    rows = report.rows
    return {r.label: r.output_shape for r in rows if isinstance(r, BlockReport) and r.depth == 1}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_params_and_gmacs(name: str) -> None:
    size, params, gmacs = PUBLISHED[name]
    report = preset(name)
    assert report.input_shape == (3, size, size)
    assert report.output_shape == (1000,)
    assert report.total.params == params
    assert round(report.total.macs / 1e9, 3) == gmacs  # torchvision rounds to 3 places
    # the docs' table rounds the published figure again: mnasnet0_75's 0.2155 is 0.215, 0.21
    assert round(round(report.total.macs / 1e9, 3), 2) == round(gmacs, 2)


def test_resnet50_stage_shapes() -> None:
    # torchvision's ResNet-50 feature maps: 256x56x56, 512x28x28, 1024x14x14, 2048x7x7
    blocks = top_blocks(preset("resnet50"))
    shapes = [blocks[f"layer{i}"] for i in (1, 2, 3, 4)]
    assert shapes == [(256, 56, 56), (512, 28, 28), (1024, 14, 14), (2048, 7, 7)]


def test_densenet_and_googlenet_channel_counts() -> None:
    dense = top_blocks(preset("densenet121"))
    # 64 + 6·32 = 256 → 128; 128 + 12·32 = 512 → 256; 256 + 24·32 = 1024 → 512; 512 + 16·32
    assert dense["denseblock1"] == (256, 56, 56)
    assert dense["transition1"] == (128, 28, 28)
    assert dense["denseblock4"] == (1024, 7, 7)
    google = top_blocks(preset("googlenet"))
    # inception 3a: 64 + 128 + 32 + 32 = 256 maps at 28x28; 5b: 384 + 384 + 128 + 128 = 1024
    assert google["inception3a"] == (256, 28, 28)
    assert google["inception5b"] == (1024, 7, 7)


def test_speech_and_text_presets() -> None:
    speech = preset("abdelhamid2014")
    # 3x15x40 → conv 84 maps of 15x8 → 84x1x33 → pool 6 shift 2 → 84x1x14 → 1000 → 1000 → 183
    shapes = [layer.output_shape for layer in speech.layers]
    assert shapes[0] == (84, 1, 33)
    assert shapes[2] == (84, 1, 14)
    assert speech.output_shape == (183,)
    assert speech.layers[0].costs.params == 84 * (3 * 15 * 8) + 84
    chars = preset("charcnn")
    # 10-d char embeddings of 100 symbols, 50 units over 5-char windows, max over positions
    assert chars.output_shape == (50,)
    assert chars.total.params == 100 * 10 + (50 * 10 * 5 + 50)


def _torchvision_model(name: str) -> Any:
    """torchvision's own model code for a preset, built on the meta device (shapes
    only: no memory, no initialisation), untrained (weights=None), in eval mode."""
    import torch
    import torchvision  # type: ignore[import-not-found]
    from torchvision.models.regnet import BlockParams  # type: ignore[import-not-found]

    kwargs: dict[str, Any] = (
        {"aux_logits": False, "init_weights": False} if name == "googlenet" else {}
    )
    if name in PUBLISHED_VIDEO:
        build = getattr(torchvision.models.video, name)
    elif name in PUBLISHED_SIDE and name != "inception_v3":
        build = getattr(torchvision.models.segmentation, name)
        kwargs = {"weights_backbone": None}  # 21 classes by default
        if not name.startswith("lraspp"):  # LR-ASPP has no aux head
            kwargs["aux_loss"] = True  # it runs in eval mode too
    elif name == "inception_v3":
        build = torchvision.models.inception_v3
        kwargs = {"aux_logits": True, "init_weights": False}
    else:
        build = getattr(torchvision.models, name)
    # RegNet computes its stage widths with torch ops: those must run on the CPU
    widths = BlockParams.from_init_params.__func__

    def on_cpu(cls: Any, *args: Any, **kw: Any) -> Any:
        with torch.device("cpu"):
            return widths(cls, *args, **kw)

    with pytest.MonkeyPatch.context() as patch, torch.device("meta"):
        patch.setattr(BlockParams, "from_init_params", classmethod(on_cpu))
        model = build(weights=None, **kwargs)
    return model.eval()


def _compare_with_torchvision(name: str, shape: tuple[int, ...], report: Report) -> int:
    """Params, buffers (BN's running statistics; not its batch counter) and output
    shape equal torchvision's; returns FlopCounterMode's MACs (FLOPs // 2) at batch 1."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model = _torchvision_model(name)
    assert report.input_shape == shape
    assert report.total.params == sum(p.numel() for p in model.parameters())
    assert report.total.buffers == sum(
        b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked")
    )
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(1, *shape, device="meta"))
    out = out["out"] if isinstance(out, dict) else out  # segmentation: the main output
    assert tuple(out.shape[1:]) == report.output_shape
    return int(counter.get_total_flops() // 2)


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="needs torchvision")
@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_against_torchvision(name: str) -> None:
    size = PUBLISHED[name][0]
    report = preset(name)
    assert report.total.macs == _compare_with_torchvision(name, (3, size, size), report)


@pytest.mark.parametrize("name", sorted(PUBLISHED_VIDEO))
def test_published_video(name: str) -> None:
    shape, params, gmacs = PUBLISHED_VIDEO[name]
    report = preset(name)
    assert report.input_shape == shape
    assert report.output_shape == (400,)  # Kinetics-400
    assert report.total.params == params
    assert round(report.total.macs / 1e9, 3) == gmacs


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="needs torchvision")
@pytest.mark.parametrize("name", sorted(PUBLISHED_VIDEO))
def test_video_against_torchvision(name: str) -> None:
    report = preset(name)
    shape = PUBLISHED_VIDEO[name][0]
    assert report.total.macs == _compare_with_torchvision(name, shape, report)


@pytest.mark.parametrize("name", sorted(PUBLISHED_SIDE))
def test_published_with_side_outputs(name: str) -> None:
    size, params, gmacs, shape, side_counts = PUBLISHED_SIDE[name]
    report = preset(name)
    assert report.input_shape == (3, size, size)
    assert report.output_shape == shape
    assert report.total.params == params
    macs = report.total.macs if side_counts else report.macs_main
    assert round(macs / 1e9, 3) == gmacs


def test_inception_v3_aux_head() -> None:
    report = preset("inception_v3")
    # AuxLogits on 768x17x17: avgpool 5 s3 → 768x5x5, 1x1 conv to 128 (+ BN), 5x5 conv to
    # 768 (+ BN) → 768x1x1, fc 1000
    assert report.side.params == 768 * 128 + 2 * 128 + 128 * 768 * 25 + 2 * 768 + 768 * 1000 + 1000
    assert report.total.macs - report.macs_main == 25 * 768 * 128 + 768 * 128 * 25 + 768 * 1000
    # the main path: the published 27,161,264 less the aux head's 3,326,696 above
    assert report.total.params - report.side.params == 23_834_568
    # Mixed_5d 288x35x35, Mixed_6e 768x17x17, Mixed_7c 2048x8x8 (torchvision's comments)
    blocks = top_blocks(report)
    assert blocks["Mixed_5d"] == (288, 35, 35)
    assert blocks["Mixed_6e"] == (768, 17, 17)
    assert blocks["Mixed_7c"] == (2048, 8, 8)


def test_fcn_resnet50_dilated_backbone_and_aux_head() -> None:
    report = preset("fcn_resnet50")
    # replace_stride_with_dilation=[False, True, True]: output stride 8, 520 → 65
    blocks = top_blocks(report)
    assert blocks["layer2"] == (512, 65, 65)
    assert blocks["layer3"] == (1024, 65, 65)
    assert blocks["layer4"] == (2048, 65, 65)
    # FCNHead(1024, 21) on layer3: 3x3 conv to 256 (no bias) + BN, 1x1 conv to 21 with bias
    assert report.side.params == 1024 * 256 * 9 + 2 * 256 + 256 * 21 + 21
    assert report.side.macs == 65 * 65 * (1024 * 256 * 9 + 256 * 21)


def test_deeplabv3_head() -> None:
    report = preset("deeplabv3_resnet50")
    head = next(r for r in report.rows if isinstance(r, BlockReport) and r.label == "classifier")
    # ASPP on 2048x65x65: a 1x1 conv, three dilated 3x3 convs and the pooled 1x1 conv, each
    # to 256 without bias, + BN; projection 1280 → 256 + BN; 3x3 conv 256 → 256 + BN; 1x1 to 21
    aspp = 2 * 2048 * 256 + 3 * 2048 * 256 * 9 + 5 * 2 * 256
    rest = 1280 * 256 + 2 * 256 + 256 * 256 * 9 + 2 * 256 + 256 * 21 + 21
    assert head.costs.params == aspp + rest
    assert head.output_shape == (21, 520, 520)
    # the same aux head as FCN's, on layer3's 1024 channels
    assert report.side.params == 1024 * 256 * 9 + 2 * 256 + 256 * 21 + 21


def test_unet_as_in_the_paper() -> None:
    report = preset("unet")
    # Ronneberger et al. 2015, Fig. 1: a 572x572 tile gives a 2x388x388 map
    assert report.input_shape == (1, 572, 572)
    assert report.output_shape == (2, 388, 388)
    # "In total the network has 23 convolutional layers" (Section 2)
    assert sum(layer.kind in ("conv", "deconv") for layer in report.layers) == 23
    # Fig. 1: the concatenations of the cropped skips with the up-convolved maps
    blocks = {r.label: r.output_shape for r in report.rows if isinstance(r, BlockReport)}
    assert blocks["level4"] == (1024, 56, 56)
    assert blocks["level3"] == (512, 104, 104)
    assert blocks["level2"] == (256, 200, 200)
    assert blocks["level1"] == (128, 392, 392)

    def conv(c_in: int, c_out: int, k: int = 3) -> int:
        return k * k * c_in * c_out + c_out

    widths = [64, 128, 256, 512, 1024]
    down = conv(1, 64) + conv(64, 64)
    down += sum(conv(c // 2, c) + conv(c, c) for c in widths[1:])
    up = sum(conv(c, c // 2, 2) + conv(c, c // 2) + conv(c // 2, c // 2) for c in widths[1:])
    assert report.total.params == down + up + conv(64, 2, 1) == 31_030_658


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="needs torchvision")
@pytest.mark.parametrize("name", sorted(PUBLISHED_SIDE))
def test_side_outputs_against_torchvision(name: str) -> None:
    size, _, _, _, side_counts = PUBLISHED_SIDE[name]
    report = preset(name)
    macs = _compare_with_torchvision(name, (3, size, size), report)
    assert (report.total.macs if side_counts else report.macs_main) == macs
