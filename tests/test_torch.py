"""Differential tests: cnncalc against torch.nn on random configurations.

For every layer kind torch has, hypothesis draws a configuration; the torch
module runs on the meta device (shapes only, no memory), and cnncalc must agree
on the output shape, the parameter and buffer counts and the MACs (torch's
FlopCounterMode counts 2 FLOPs per MAC and no bias adds). Where torch refuses a
configuration (an output below 1), cnncalc must refuse it too.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import SpecError
from cnncalc.report import Report

from conftest import need_torch, run
from strategies import sequence

torch = need_torch()
nn = torch.nn
F = torch.nn.functional
FlopCounterMode = importlib.import_module("torch.utils.flop_counter").FlopCounterMode

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def torch_figures(module: Any, shape: tuple[int, ...], dtype: Any = None) -> dict[str, Any]:
    """Output shape (batch dropped), params, buffers (BN's running stats) and MACs."""
    module = module.to("meta").eval()  # eval: BatchNorm accepts a batch of one
    x = torch.empty((1, *shape), device="meta", dtype=dtype or torch.float32)
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    if 0 in y.shape:  # the CPU kernels refuse this ("Output size is too small"); meta does not
        raise RuntimeError(f"empty output {tuple(y.shape)}")
    buffers = sum(
        b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked")
    )
    return {
        "shape": tuple(y.shape[1:]),
        "params": sum(p.numel() for p in module.parameters()),
        "trainable": sum(p.numel() for p in module.parameters() if p.requires_grad),
        "buffers": buffers,
        "macs": counter.get_total_flops() // 2,
    }


def ours(report: Report) -> dict[str, Any]:
    return {
        "shape": report.output_shape,
        "params": report.total.params,
        "trainable": report.total.trainable_params,
        "buffers": report.total.buffers,
        "macs": report.total.macs,
    }


def agree(spec: str, shape: tuple[int, ...], build: Callable[[], Any]) -> None:
    """cnncalc and torch agree on the figures, or both refuse the configuration."""
    try:
        expected = torch_figures(build(), shape)
    except (RuntimeError, ValueError):  # ValueError: a norm of one value per group
        with pytest.raises(SpecError):
            run(spec, *shape)
        return
    assert ours(run(spec, *shape)) == expected, spec


def axes(draw: Any, rank: int, low: int, high: int) -> tuple[int, ...]:
    return tuple(draw(st.integers(low, high)) for _ in range(rank))


def text(values: tuple[int, ...]) -> str:
    return "x".join(map(str, values))


CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
DECONV = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
MAXPOOL = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
AVGPOOL = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
ADAPTIVE = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d}
BATCHNORM = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}


@st.composite
def conv_case(draw: Any) -> tuple[str, tuple[int, ...], Callable[[], Any]]:
    rank = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 4))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    kernel = axes(draw, rank, 1, 5)
    dilation = axes(draw, rank, 1, 3)
    spatial = axes(draw, rank, 1, 14 if rank < 3 else 9)
    bias = draw(st.booleans())
    same = draw(st.booleans()) and rank > 0
    stride = (1,) * rank if same else axes(draw, rank, 1, 3)
    pad = axes(draw, rank, 0, 3)
    spec = f"conv {cout}x{text(kernel)} s{text(stride)} d{text(dilation)} g{groups}"
    spec += " psame" if same else f" p{text(pad)}"
    spec += "" if bias else " nobias"

    def build() -> Any:
        padding: Any = "same" if same else pad
        return CONV[rank](cin, cout, kernel, stride, padding, dilation, groups, bias)

    return spec, (cin, *spatial), build


@given(conv_case())
@SETTINGS
def test_conv(case: tuple[str, tuple[int, ...], Callable[[], Any]]) -> None:
    agree(*case)


@st.composite
def deconv_case(draw: Any) -> tuple[str, tuple[int, ...], Callable[[], Any]]:
    rank = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    kernel = axes(draw, rank, 1, 5)
    stride = axes(draw, rank, 1, 3)
    dilation = axes(draw, rank, 1, 2)
    pad = axes(draw, rank, 0, 3)
    extra = tuple(
        draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
    )
    spatial = axes(draw, rank, 1, 8)
    bias = draw(st.booleans())
    spec = f"deconv {cout}x{text(kernel)} s{text(stride)} p{text(pad)} d{text(dilation)}"
    spec += f" op{text(extra)} g{groups}" + ("" if bias else " nobias")

    def build() -> Any:
        return DECONV[rank](cin, cout, kernel, stride, pad, extra, groups, bias, dilation)

    return spec, (cin, *spatial), build


@given(deconv_case())
@SETTINGS
def test_deconv(case: tuple[str, tuple[int, ...], Callable[[], Any]]) -> None:
    agree(*case)


@st.composite
def pool_case(draw: Any) -> tuple[str, tuple[int, ...], Callable[[], Any]]:
    rank = draw(st.integers(1, 3))
    is_max = draw(st.booleans())
    kernel = axes(draw, rank, 1, 4)
    stride = axes(draw, rank, 1, 3)
    pad = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = axes(draw, rank, 1, 2) if is_max else (1,) * rank
    ceil = draw(st.booleans())
    spatial = axes(draw, rank, 1, 12)
    channels = draw(st.integers(1, 4))
    spec = f"{'maxpool' if is_max else 'avgpool'} {text(kernel)} s{text(stride)} p{text(pad)}"
    spec += f" d{text(dilation)}" if is_max else ""
    spec += " ceil" if ceil else ""

    def build() -> Any:
        if is_max:
            return MAXPOOL[rank](kernel, stride, pad, dilation, ceil_mode=ceil)
        return AVGPOOL[rank](kernel, stride, pad, ceil_mode=ceil)

    return spec, (channels, *spatial), build


@given(pool_case())
@SETTINGS
def test_pool(case: tuple[str, tuple[int, ...], Callable[[], Any]]) -> None:
    agree(*case)


@given(st.integers(1, 3), st.integers(1, 6), st.data())
@SETTINGS
def test_adaptive_pool_and_gap(rank: int, channels: int, data: Any) -> None:
    spatial = tuple(data.draw(st.integers(1, 12)) for _ in range(rank))
    size = tuple(data.draw(st.integers(1, 7)) for _ in range(rank))
    agree(f"adaptivepool {text(size)}", (channels, *spatial), lambda: ADAPTIVE[rank](size))
    agree("gap", (channels, *spatial), lambda: ADAPTIVE[rank](1))


@given(st.integers(0, 3), st.integers(1, 6), st.integers(1, 50), st.booleans(), st.data())
@SETTINGS
def test_linear_and_flatten(rank: int, channels: int, units: int, bias: bool, data: Any) -> None:
    shape = (channels, *(data.draw(st.integers(1, 6)) for _ in range(rank)))
    inputs = math.prod(shape)
    spec = f"fc {units}" + ("" if bias else " nobias")
    agree(spec, shape, lambda: nn.Sequential(nn.Flatten(), nn.Linear(inputs, units, bias)))
    agree("flatten", shape, lambda: nn.Flatten())


@given(st.integers(0, 3), st.integers(1, 16), st.data())
@SETTINGS
def test_batchnorm(rank: int, channels: int, data: Any) -> None:
    shape = (channels, *(data.draw(st.integers(1, 6)) for _ in range(rank)))
    agree("bn", shape, lambda: BATCHNORM[max(rank, 1)](channels))


@pytest.mark.parametrize(
    ("spec", "module"),
    [
        ("relu", lambda: nn.ReLU()),
        ("sigmoid", lambda: nn.Sigmoid()),
        ("tanh", lambda: nn.Tanh()),
        ("gelu", lambda: nn.GELU()),
        ("softmax", lambda: nn.Softmax(dim=1)),
        ("leakyrelu 0.2", lambda: nn.LeakyReLU(0.2)),
        ("dropout 0.3", lambda: nn.Dropout(0.3)),
        ("lrn 5", lambda: nn.LocalResponseNorm(5)),
    ],
)
def test_shape_preserving_layers(spec: str, module: Callable[[], Any]) -> None:
    agree(spec, (8, 5, 7), module)


@given(st.integers(1, 1000), st.integers(1, 64), st.integers(1, 200))
@SETTINGS
def test_embedding(vocab: int, dim: int, length: int) -> None:
    module = nn.Embedding(vocab, dim).to("meta")
    tokens = torch.zeros((1, length), dtype=torch.long, device="meta")
    out = module(tokens)  # (1, L, D): cnncalc reports channels first, D x L
    report = run(f"embed {vocab}x{dim}", length)
    assert report.output_shape == (out.shape[2], out.shape[1])
    assert report.total.params == sum(p.numel() for p in module.parameters())


class LocallyConnected2d(nn.Module):  # type: ignore[misc]
    """An unshared convolution built from torch's unfold: a weight per position."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, pad: int, size: int) -> None:
        super().__init__()
        out = (size + 2 * pad - kernel) // stride + 1
        self.args = (kernel, 1, pad, stride)
        self.out = out
        self.weight = nn.Parameter(torch.empty(out * out, cin * kernel * kernel, cout))
        self.bias = nn.Parameter(torch.empty(cout, out, out))

    def forward(self, x: Any) -> Any:
        cols = F.unfold(x, *self.args)  # (B, C·k·k, L)
        y = torch.einsum("bkl,lko->bol", cols, self.weight)
        return y.reshape(x.shape[0], -1, self.out, self.out) + self.bias


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.data())
@SETTINGS
def test_local_against_unfold(cin: int, cout: int, kernel: int, stride: int, data: Any) -> None:
    pad = data.draw(st.integers(0, kernel - 1))
    size = data.draw(st.integers(kernel, 12))
    module = LocallyConnected2d(cin, cout, kernel, stride, pad, size)
    figures = torch_figures(module, (cin, size, size))
    report = run(f"local {cout}x{kernel}x{kernel} s{stride} p{pad}", cin, size, size)
    assert report.output_shape == figures["shape"]
    assert report.total.params == figures["params"]
    # each unshared weight meets exactly one input per sample: MACs = its weight count
    assert report.total.macs == module.weight.numel()


LAYER_SPECS: dict[str, tuple[str, Callable[[int], Any]]] = {
    "relu": ("relu", lambda c: nn.ReLU()),
    "bn": ("bn", lambda c: nn.BatchNorm2d(c)),
    "pool": ("pool 2 ceil", lambda c: nn.MaxPool2d(2, ceil_mode=True)),
    "conv": ("conv 8x3x3 p1", lambda c: nn.Conv2d(c, 8, 3, padding=1)),
    "conv_s2": ("conv 6x3x3 s2", lambda c: nn.Conv2d(c, 6, 3, stride=2)),
    "dw": ("conv {c}x3x3 p1 dw", lambda c: nn.Conv2d(c, c, 3, padding=1, groups=c)),
    "deconv": ("deconv 5x2x2 s2", lambda c: nn.ConvTranspose2d(c, 5, 2, 2)),
}


@given(st.lists(st.sampled_from(sorted(LAYER_SPECS)), min_size=1, max_size=8), st.data())
@SETTINGS
def test_random_stacks(names: list[str], data: Any) -> None:
    """Whole random pipelines against nn.Sequential: the shapes must chain alike."""
    channels = data.draw(st.integers(1, 4))
    size = data.draw(st.integers(4, 24))
    modules = []
    specs = []
    c = channels
    for name in names:
        spec, make = LAYER_SPECS[name]
        modules.append(make(c))
        specs.append(spec.format(c=c))
        c = {"conv": 8, "conv_s2": 6, "deconv": 5}.get(name, c)
    agree(" | ".join(specs), (channels, size, size), lambda: nn.Sequential(*modules))


def test_lenet5_modern_matches_torch() -> None:
    """The preset against the usual PyTorch LeNet-5, layer for layer."""
    from cnncalc import sources
    from cnncalc.engine import analyze

    model = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip
    report = analyze(sources.load("lenet5-modern"))
    assert ours(report) == torch_figures(model, (1, 32, 32))
    x = torch.empty(1, 1, 32, 32, device="meta")
    model = model.to("meta")
    for layer, module in zip(report.layers, model, strict=True):
        x = module(x)
        assert layer.output_shape == tuple(x.shape[1:])


@given(st.integers(1, 4), st.integers(3, 10), st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_nested_blocks(channels: int, size: int, data: Any) -> None:
    """Random trees of res/cat/repeat against the same structure built in torch."""
    spec, make, _ = data.draw(sequence(channels, depth=3))
    agree(spec, (channels, size, size), make)


@st.composite
def field_stack(draw: Any) -> tuple[int, list[tuple[str, int, int, int, int]]]:
    """A random chain of convs and average pools: (kind, kernel, stride, pad, dilation)."""
    rank = draw(st.integers(1, 2))
    layers = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "avgpool"]))
        k = draw(st.integers(1, 5))
        s = draw(st.integers(1, 3))
        p = draw(st.integers(0, k // 2))
        d = draw(st.integers(1, 3)) if kind == "conv" else 1
        layers.append((kind, k, s, p, d))
    return rank, layers


@given(field_stack(), st.integers(24, 60))
@SETTINGS
def test_receptive_field_against_gradients(case: Any, size: int) -> None:
    """The field of the centre output unit is where its gradient on the input is
    non-zero (all weights 1, so nothing cancels). Where the field runs into the
    padding, dilation's holes can leave its last real tap short of the edge, so
    there the gradient need only stay inside the field."""
    rank, layers = case
    specs, modules = [], []
    for kind, k, s, p, d in layers:
        if kind == "conv":
            specs.append(f"conv 1x{'x'.join([str(k)] * rank)} s{s} p{p} d{d}")
            conv = CONV[rank](1, 1, k, s, p, d, bias=False)
            torch.nn.init.ones_(conv.weight)
            modules.append(conv)
        else:
            specs.append(f"avgpool {k} s{s} p{p}")
            modules.append(AVGPOOL[rank](k, s, p))
    shape = (1, *([size] * rank))
    try:
        report = run(" | ".join(specs), *shape)
    except SpecError:
        return  # the stack collapses below one unit: nothing to measure
    x = torch.ones((1, *shape), requires_grad=True)
    y = nn.Sequential(*modules)(x)
    centre = tuple(n // 2 for n in y.shape[2:])
    y[(0, 0, *centre)].backward()
    seen = report.layers[-1].field
    assert seen is not None
    for axis in range(rank):
        grad = x.grad[0, 0]  # type: ignore[index]
        other = tuple(a for a in range(rank) if a != axis)
        touched = (grad.abs().sum(dim=other) if other else grad.abs()) > 0
        index = touched.nonzero().flatten()
        first = seen.starts[axis] + centre[axis] * seen.jumps[axis]
        last = first + seen.sizes[axis] - 1
        if index.numel() == 0:  # every tap landed on padding somewhere on the way
            assert first < 0 or last >= size
            continue
        low, high = int(index.min()), int(index.max())
        assert first <= low and high <= last  # the gradient never leaves the field
        if first >= 0 and last < size:  # a field inside the input is met end to end
            assert (low, high) == (first, last)


# --- issue 13's kinds ----------------------------------------------------------------

UPSAMPLE_MODES = {
    1: ["nearest"],
    2: ["nearest", "bilinear", "bicubic"],
    3: ["nearest", "trilinear"],
}


@st.composite
def upsample_case(draw: Any) -> tuple[str, tuple[int, ...], Callable[[], Any]]:
    rank = draw(st.integers(1, 3))
    spatial = axes(draw, rank, 1, 9)
    mode = draw(st.sampled_from(UPSAMPLE_MODES[rank]))
    word = "" if mode == "nearest" and draw(st.booleans()) else f" {mode}"
    corners = None if mode == "nearest" else False
    if draw(st.booleans()):
        factor = axes(draw, rank, 1, 4)
        spec = f"upsample {text(factor)}{word}"

        def build() -> Any:
            scale = tuple(float(f) for f in factor)
            return nn.Upsample(scale_factor=scale, mode=mode, align_corners=corners)

    else:
        size = axes(draw, rank, 1, 20)
        spec = f"upsample size={text(size)}{word}"

        def build() -> Any:
            return nn.Upsample(size=size, mode=mode, align_corners=corners)

    return spec, (draw(st.integers(1, 4)), *spatial), build


@given(upsample_case())
@SETTINGS
def test_upsample(case: tuple[str, tuple[int, ...], Callable[[], Any]]) -> None:
    agree(*case)


@st.composite
def sepconv_case(draw: Any) -> tuple[str, tuple[int, ...], Callable[[], Any]]:
    """A separable conv is torch's depthwise conv (no bias) then a 1×1 conv."""
    rank = draw(st.integers(1, 3))
    cin, cout = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    kernel = axes(draw, rank, 1, 4)
    stride, dilation, pad = axes(draw, rank, 1, 3), axes(draw, rank, 1, 2), axes(draw, rank, 0, 2)
    spatial = axes(draw, rank, 1, 12 if rank < 3 else 8)
    bias = draw(st.booleans())
    spec = f"sepconv {cout}x{text(kernel)} s{text(stride)} d{text(dilation)} p{text(pad)}"
    spec += "" if bias else " nobias"

    def build() -> Any:
        depthwise = CONV[rank](cin, cin, kernel, stride, pad, dilation, groups=cin, bias=False)
        return nn.Sequential(depthwise, CONV[rank](cin, cout, 1, bias=bias))

    return spec, (cin, *spatial), build


@given(sepconv_case())
@SETTINGS
def test_sepconv(case: tuple[str, tuple[int, ...], Callable[[], Any]]) -> None:
    agree(*case)


class CausalConv(nn.Module):  # type: ignore[misc]
    """Keras Conv1D(padding='causal'): pad d·(k−1) on the left, then a valid conv."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, dilation: int) -> None:
        super().__init__()
        self.left = dilation * (kernel - 1)
        self.conv = nn.Conv1d(cin, cout, kernel, stride, 0, dilation)

    def forward(self, x: Any) -> Any:
        return self.conv(F.pad(x, (self.left, 0)))


@given(
    st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.integers(1, 3), st.integers(1, 4),
    st.integers(1, 30),
)  # fmt: skip
@SETTINGS
def test_causal_conv(cin: int, cout: int, kernel: int, stride: int, dilation: int, w: int) -> None:
    spec = f"conv {cout}x{kernel} s{stride} d{dilation} pcausal"
    agree(spec, (cin, w), lambda: CausalConv(cin, cout, kernel, stride, dilation))


@st.composite
def norm_case(draw: Any) -> tuple[str, tuple[int, ...], Callable[[], Any]]:
    rank = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 4))
    channels = draw(st.integers(1, 8)) if draw(st.booleans()) else groups * draw(st.integers(1, 3))
    shape = (channels, *axes(draw, rank, 1, 5))
    kind = draw(st.sampled_from(["bn", "groupnorm", "instancenorm"]))
    flip = draw(st.booleans())
    if kind == "bn":
        spec = "bn noaffine" if flip else "bn"
        return spec, shape, lambda: BATCHNORM[rank](channels, affine=not flip)
    if kind == "groupnorm":
        spec = f"groupnorm {groups}" + (" noaffine" if flip else "")

        def build() -> Any:
            if channels % groups:  # torch refuses it as it is made
                raise RuntimeError("num_channels must be divisible by num_groups")
            return nn.GroupNorm(groups, channels, affine=not flip)

        return spec, shape, build
    instance = {1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}[rank]
    return (
        "instancenorm affine" if flip else "instancenorm",
        shape,
        lambda: instance(channels, affine=flip),
    )


@given(norm_case())
@SETTINGS
def test_norms(case: tuple[str, tuple[int, ...], Callable[[], Any]]) -> None:
    agree(*case)


@given(st.integers(1, 3), st.integers(1, 6), st.booleans(), st.data())
@SETTINGS
def test_layernorm_over_channels(rank: int, channels: int, affine: bool, data: Any) -> None:
    """torch.nn.LayerNorm(C) over the channel axis, as ConvNeXt moves it last."""
    shape = (channels, *axes(data.draw, rank, 1, 5))

    class Moved(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.norm = nn.LayerNorm(channels, elementwise_affine=affine)

        def forward(self, x: Any) -> Any:
            return self.norm(x.movedim(1, -1)).movedim(-1, 1)

    agree("layernorm" if affine else "layernorm noaffine", shape, Moved)


@given(st.integers(1, 3), st.data())
@SETTINGS
def test_reshape(rank: int, data: Any) -> None:
    """Any shape with the input's count of values, or torch's refusal to view it so."""
    shape = (data.draw(st.integers(1, 6)), *axes(data.draw, rank, 1, 6))
    target = tuple(data.draw(st.lists(st.integers(1, 12), min_size=1, max_size=4)))

    def build() -> Any:
        if math.prod(target) != math.prod(shape):  # meta tensors cannot refuse it for us
            raise RuntimeError("shape is invalid for input size")
        return nn.Sequential(nn.Flatten(), nn.Unflatten(1, target))

    agree(f"reshape {text(target)}", shape, build)
