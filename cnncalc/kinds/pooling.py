"""Pooling: max and average windows, LeNet-5's trainable subsampling, global
and adaptive pooling."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cnncalc.errors import LayerError
from cnncalc.kinds import window
from cnncalc.kinds.base import (
    Arg,
    Helper,
    Kind,
    Module,
    Outcome,
    Reach,
    connection_lines,
    no_lines,
    ratio,
    windows,
)
from cnncalc.kinds.window import expand, kernel_for, pads_for, slide, spatial_of
from cnncalc.layer import LayerSpec, Shape, shape_text
from cnncalc.memory.rules import Behaviour, Saved

if TYPE_CHECKING:
    from cnncalc.report import LayerReport


def _pool_geometry(
    layer: LayerSpec, shape: Shape
) -> tuple[LayerSpec, Shape, tuple[str, ...], Reach]:
    channels, spatial = spatial_of(shape)
    rank = len(spatial)
    kernel = kernel_for(layer, rank)
    stride = expand(layer.stride, rank, 1, "stride") if layer.stride else kernel
    dilation = expand(layer.dilation, rank, 1, "dilation")
    if layer.padding == "causal":
        raise LayerError("pcausal pads convolutions only (a pool takes pK or psame)", "padding")
    pads = pads_for(layer, spatial, kernel, stride, dilation)
    if layer.ceil and layer.padding == "same":
        raise LayerError("ceil cannot be combined with psame", field="ceil")
    if layer.padding != "same":
        for (p, _), k in zip(pads, kernel, strict=True):
            if p > k // 2:
                raise LayerError(
                    f"padding {p} is more than half the window {k} (torch refuses it)",
                    field="padding",
                )
    out, warnings = slide(spatial, kernel, stride, pads, dilation, layer.ceil)
    resolved = layer.replace(kernel=kernel, stride=stride, dilation=dilation)
    return resolved, (channels, *out), warnings, windows(kernel, stride, dilation, pads)


def pool_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Max pooling (torch.nn.MaxPool*d): no weights."""
    resolved, out, warnings, reach = _pool_geometry(layer, shape)
    return Outcome(layer=resolved, shape=out, warnings=warnings, reach=reach)


def avgpool_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Average pooling (torch.nn.AvgPool*d). torch's 3-D version alone also
    refuses an unpadded input smaller than the window, so cnncalc does too."""
    outcome = pool_rule(layer, shape)
    window = outcome.layer.kernel or ()
    if len(shape) == 4 and any(w < k for w, k in zip(shape[1:], window, strict=True)):
        raise LayerError(
            f"the input {shape_text(shape[1:], 'x')} is smaller than the window "
            f"{shape_text(window, 'x')}"
            " (torch's AvgPool3d refuses it)",
            field="kernel",
        )
    return outcome


def subsample_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """LeNet-5's subsampling: each map's window sum times a trainable coefficient,
    plus a trainable bias. LeCun counts every summed input as a connection."""
    resolved, out, warnings, reach = _pool_geometry(layer, shape)
    assert resolved.kernel is not None
    units = math.prod(out)
    return Outcome(
        layer=resolved,
        shape=out,
        params=shape[0] * (2 if layer.bias else 1),
        macs=units * math.prod(resolved.kernel),
        bias_units=units if layer.bias else 0,
        warnings=warnings,
        reach=reach,
    )


def _pool_code(layer: LayerReport, name: str, value: str, dilation: bool) -> Module:
    spec = layer.layer
    assert spec is not None
    pads, kernel, stride, dil = window.torch_padding(layer)
    rank = len(kernel)
    padding = tuple(left for left, _ in pads) if window.symmetric(pads) else (0,) * rank
    extra = f", {dil}" if dilation else ""
    code = f"nn.{name}{rank}d({kernel}, {stride}, {padding}{extra}, ceil_mode={spec.ceil})"
    return Module(window.padded(pads, code, value))


def pool_torch(layer: LayerReport) -> Module:
    return _pool_code(layer, "MaxPool", "float('-inf')", dilation=True)


def avgpool_torch(layer: LayerReport) -> Module:
    return _pool_code(layer, "AvgPool", "0.0", dilation=False)


STOCHASTIC_POOL = Helper(
    "StochasticPool",
    '''
class StochasticPool(nn.Module):
    """Stochastic pooling (Zeiler & Fergus 2013) of non-negative inputs (after a
    ReLU): in training, each window outputs one of its activations, drawn with
    probability a_i / sum(a); in eval, the probability-weighted average
    sum(a_i^2) / sum(a). Windows of size kernel, stride apart, no padding."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = kernel, stride
        self.pool = getattr(nn.functional, f"avg_pool{len(kernel)}d")

    def forward(self, x):
        x = x.clamp(min=0)
        if not self.training:
            area = self.pool(x, self.kernel, self.stride)
            return self.pool(x * x, self.kernel, self.stride) / area.clamp(min=1e-12)
        rank = len(self.kernel)
        for axis, (k, s) in enumerate(zip(self.kernel, self.stride)):
            x = x.unfold(2 + axis, k, s)
        windows = x.flatten(-rank)  # (N, C, *out, window)
        weights = windows + (windows.sum(-1, keepdim=True) == 0)  # all zero: uniform
        pick = torch.multinomial(weights.reshape(-1, weights.shape[-1]), 1)
        return windows.reshape(-1, windows.shape[-1]).gather(1, pick).reshape(windows.shape[:-1])
''',
)


def stochasticpool_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None and spec.kernel is not None
    stride = spec.stride or spec.kernel
    return Module(f"StochasticPool({spec.kernel}, {stride})", (STOCHASTIC_POOL,))


def subsample_explain(layer: LayerReport) -> list[str]:
    spec, costs = layer.layer, layer.costs
    assert spec is not None and spec.kernel is not None
    c = layer.input_shape[0]
    what = "(coefficient, bias)" if spec.bias else "(coefficient)"
    out_units = math.prod(layer.output_shape)
    return [
        *window.size_lines(layer),
        f"params: {c} × {2 if spec.bias else 1} {what} = {costs.params:,}",
        f"MACs: {out_units:,} outputs × ({shape_text(spec.kernel, '·')}) = {costs.macs:,}",
        *connection_lines(layer),
    ]


SUBSAMPLE = Helper(
    "Subsample",
    '''
class Subsample(nn.Module):
    """LeNet-5 subsampling: window sum x a trainable coefficient + a bias, per map."""

    def __init__(self, channels, kernel, stride, rank, bias=True):
        super().__init__()
        pool = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}[rank]
        self.pool = pool(kernel, stride)
        self.area = math.prod(kernel)
        shape = (channels,) + (1,) * rank
        self.weight = nn.Parameter(torch.ones(shape))
        self.bias = nn.Parameter(torch.zeros(shape)) if bias else None

    def forward(self, x):
        y = self.pool(x) * self.area * self.weight
        return y + self.bias if self.bias is not None else y
''',
)


def subsample_torch(layer: LayerReport) -> Module:
    spec = layer.layer
    assert spec is not None and spec.kernel is not None
    rank = len(spec.kernel)
    stride = spec.stride or spec.kernel
    return Module(
        f"Subsample({layer.input_shape[0]}, {spec.kernel}, {stride}, {rank}, bias={spec.bias})",
        (SUBSAMPLE,),
    )


# --- global and adaptive pooling ---------------------------------------------------


def gap_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """Global average or max pooling: every spatial axis becomes 1."""
    channels, spatial = spatial_of(shape)
    whole = Reach(spatial, spatial, tuple(0 for _ in spatial))
    return Outcome(layer=layer, shape=(channels, *(1 for _ in spatial)), reach=whole)


def adaptive_rule(layer: LayerSpec, shape: Shape) -> Outcome:
    """torch.nn.AdaptiveAvgPool*d: the output size is given, the windows adapt."""
    channels, spatial = spatial_of(shape)
    assert layer.output_size is not None
    size = window.per_axis(layer.output_size, layer.per_axis, len(spatial), "output_size")
    reach = Reach(
        tuple(adaptive_span(w, n) for w, n in zip(spatial, size, strict=True)),
        tuple(ratio(w, n) for w, n in zip(spatial, size, strict=True)),
        tuple(0 for _ in spatial),
    )
    return Outcome(layer=layer.replace(output_size=size), shape=(channels, *size), reach=reach)


def adaptive_span(size: int, out: int) -> int:
    """torch's adaptive windows run from floor(i·W/S) to ceil((i+1)·W/S): the widest.

    In closed form, so ``adaptivepool 1000000001`` costs nothing. With g = gcd(W, S),
    W = g·w and S = g·s, write i·w = q·s + r (0 ≤ r < s): window i spans
    ceil((q·s + r + w)/s) − q = ceil((r + w)/s). As w and s are coprime, i·w mod s
    takes every value 0 … s−1 over i = 0 … s−1 (and s ≤ S), so the widest window
    has r = s − 1: ceil((w + s − 1)/s).
    """
    g = math.gcd(size, out)
    w, s = size // g, out // g
    return -(-(w + s - 1) // s)


def gap_torch(layer: LayerReport) -> Module:
    return Module(f"nn.AdaptiveAvgPool{len(layer.input_shape) - 1}d(1)")


def gmp_torch(layer: LayerReport) -> Module:
    return Module(f"nn.AdaptiveMaxPool{len(layer.input_shape) - 1}d(1)")


def adaptive_torch(layer: LayerReport) -> Module:
    rank = len(layer.input_shape) - 1
    return Module(f"nn.AdaptiveAvgPool{rank}d({layer.output_shape[1:]!r})")


def _stochastic_saved(layer: LayerReport) -> Saved:
    """What the emitted StochasticPool keeps besides its input (which the clamp
    reads): ``gather``'s int64 pick, one per output, and its source, the windows
    copied out flat (one value per window position per output)."""
    kernel = window.resolved(layer)[0]
    outputs = math.prod(layer.output_shape)
    return Saved(((outputs, 8), (outputs * math.prod(kernel), 0)))


def _outputs_saved(layer: LayerReport) -> Saved:
    return Saved(((math.prod(layer.output_shape), 0),))


KINDS = (
    Kind(
        "pool",
        Arg.WINDOW,
        pool_rule,
        "max pooling",
        window.size_lines,
        pool_torch,
        ("maxpool",),
        frozenset({"stride", "padding", "dilation", "ceil"}),
        memory=Behaviour(saves_input=True, indices=True, saved=window.padded_saved),
    ),
    Kind(
        "avgpool",
        Arg.WINDOW,
        avgpool_rule,
        "average pooling",
        window.size_lines,
        avgpool_torch,
        options=frozenset({"stride", "padding", "ceil"}),
        memory=Behaviour(saves_input=True, saved=window.padded_saved),
    ),
    Kind(
        "subsample",
        Arg.WINDOW,
        subsample_rule,
        "LeNet-5 subsampling: sum × trainable coefficient + bias",
        subsample_explain,
        subsample_torch,
        options=frozenset({"stride", "bias", "trainable"}),
        # the average pool keeps its input; the product with the coefficient its
        # other factor, the scaled window sums (one per output)
        memory=Behaviour(
            saves_input=True,
            input_for_input_grad=True,
            saved=_outputs_saved,
        ),
    ),
    Kind(
        "stochasticpool",
        Arg.WINDOW,
        pool_rule,
        "stochastic pooling (Zeiler & Fergus 2013): max pooling's shape",
        window.size_lines,
        stochasticpool_torch,
        options=frozenset({"stride"}),
        memory=Behaviour(saves_input=True, saved=_stochastic_saved),
    ),
    Kind(
        "gap",
        Arg.NONE,
        gap_rule,
        "global average pooling",
        no_lines,
        gap_torch,
        memory=Behaviour(global_mean=True),
    ),
    Kind(
        "gmp",
        Arg.NONE,
        gap_rule,
        "global max pooling (max over positions)",
        no_lines,
        gmp_torch,
        memory=Behaviour(saves_input=True, indices=True),
    ),
    Kind(
        "adaptivepool",
        Arg.OUTPUT_SIZE,
        adaptive_rule,
        "adaptive average pooling to a fixed size",
        no_lines,
        adaptive_torch,
        ("adaptiveavgpool",),
        memory=Behaviour(saves_input=True, global_mean=True),
    ),
)
